import type {CommandIo} from './io.js';

/** The wizard is built in its own issue; until then point to the headless command. */
export async function runWizard(_flags: {config?: string; out?: string}, io: CommandIo): Promise<number> {
	io.stderr.write('kubepki: the wizard is not built yet; use `kubepki generate --out DIR`\n');
	return 2;
}
