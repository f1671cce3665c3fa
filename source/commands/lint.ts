import {findingLine, hasErrors, inspectPaths, summaryLine} from '../core/inspect.js';
import {resolvePaths} from './inspect.js';
import type {CommandIo} from './io.js';
import {printable} from '../core/printable.js';

/** `kubepki lint PATH... [--json]`: findings only. Exit 1 when any finding is an error, 0 otherwise. */
export async function runLint(paths: string[], flags: {json?: boolean}, io: CommandIo): Promise<number> {
	const resolved = await resolvePaths('lint', paths, io);
	const {loaded, findings} = await inspectPaths(resolved);
	if (flags.json) {
		io.stdout.write(JSON.stringify({findings}, null, 2) + '\n');
	} else {
		const lines = findings.map(finding => `${finding.path}: ${findingLine(finding)}`);
		// Paths and messages quote what the files hold: escaped, so a hostile name cannot drive the terminal.
		io.stdout.write([...lines, summaryLine(loaded.items, findings)].map(printable).join('\n') + '\n');
	}

	return hasErrors(findings) ? 1 : 0;
}
