import {probeTools, type ToolStatus} from '../core/tools.js';
import type {CommandIo} from './io.js';

export type DoctorFlags = {json?: boolean};

/**
 * `kubepki doctor`: which of the tools kubepki can work with are here. Always exit 0: kubepki makes every
 * key and certificate itself, so a missing tool limits what else you can do (the scripts, the tests), never kubepki.
 */
export async function runDoctor(flags: DoctorFlags, io: CommandIo): Promise<number> {
	const tools = await probeTools(io.env);
	io.stdout.write(flags.json ? JSON.stringify({tools}, null, 2) + '\n' : doctorReport(tools));
	return 0;
}

/** The text report: one line per tool, with ✓/✗ (never colour alone), and install lines under a missing one. */
export function doctorReport(tools: readonly ToolStatus[]): string {
	const found = tools.filter(t => t.found).length;
	const nameWidth = Math.max(...tools.map(t => t.name.length));
	const versionWidth = Math.max(7, ...tools.map(t => (t.version ?? '').length));
	const lines = [`kubepki doctor: ${found} of ${tools.length} tools found. None is required: kubepki makes every key and certificate itself.`, ''];
	for (const tool of tools) {
		const state = tool.found ? (tool.version ?? 'found') : 'missing';
		lines.push(`${tool.found ? '✓' : '✗'} ${tool.name.padEnd(nameWidth)}  ${state.padEnd(versionWidth)}  for ${tool.neededFor ?? '-'}`);
		if (!tool.found) for (const hint of tool.install ?? []) lines.push(`    ${hint}`);
	}

	return lines.join('\n') + '\n';
}
