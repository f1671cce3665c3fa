import {existsSync} from 'node:fs';
import {stat} from 'node:fs/promises';
import path from 'node:path';
import {buildPlan} from '../core/plan.js';
import {startKeyGeneration} from '../core/pki/keys.js';
import {UsageError, type CommandIo} from './io.js';
import {loadTopology} from './load-topology.js';

export type WizardFlags = {config?: string; out?: string; algorithm?: string};

/**
 * `kubepki` in a terminal: the wizard. Ends the process itself: 0 after writing or quitting, 130 on Ctrl-C.
 */
export async function runWizard(flags: WizardFlags, io: CommandIo): Promise<never> {
	// The same checks as generate, before the screen opens: bad input is one line and exit 2.
	const {topology, source} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	const outDir = flags.out ?? 'pki';
	const outPath = path.resolve(io.cwd, outDir);
	const existing = await stat(outPath).catch(() => undefined);
	if (existing && !existing.isDirectory()) throw new UsageError(`--out: ${outDir} exists and is not a folder`);

	// Raw mode now, not when Ink gets to it after its first frame: keys pressed while the screen loads then
	// wait as keys (enter stays enter, Ctrl-C reaches the wizard), instead of being echoed as a line and lost.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);

	// Loading the screen takes 0.5-1 s (Ink, React, and key work competing for the cores): say so at once
	// on a line the first frame then clears, rather than leave a silent terminal.
	io.stdout.write('kubepki: opening the wizard…');
	// The screen's modules load (Ink and React: about half a second) while the engine starts.
	const ui = Promise.all([import('ink'), import('react'), import('../ui/wizard/Wizard.js'), import('../core/write.js')]);
	// Keys first: on a fresh folder every key is needed, so start them before x509 and the preview load; the
	// screen's own request for the same cluster then shares them.
	const fresh = !existsSync(path.join(outPath, 'ca.pem'));
	const prestarted = fresh
		? [...startKeyGeneration(buildPlan(topology).certs)].map(([id, keys]) => ({id, algorithm: topology.algorithm, keys}))
		: [];
	const [{createPreviewSession}, {probeTools}] = await Promise.all([import('../core/preview.js'), import('../core/tools.js')]);
	const session = createPreviewSession({outDir: outPath, source, prestarted});
	session.preview(topology).catch(() => undefined);

	const [{render}, React, {Wizard}, {removePendingTemps}] = await ui;
	let code = 0;
	const color = !io.env.NO_COLOR;
	const engine = {...session, probeTools: async () => probeTools(io.env)};
	io.stdout.write('\r\u001B[2K');
	const app = render(
		React.createElement(Wizard, {
			topology,
			engine,
			outDir,
			outPath,
			color,
			onExit(exitCode: number) {
				code = exitCode;
				app.unmount();
			},
		}),
		// Ctrl-C arrives as a key (raw mode): the wizard handles it, so it can clean up and exit 130.
		{exitOnCtrlC: false, patchConsole: false},
	);
	await app.waitUntilExit();
	await removePendingTemps();
	// Ctrl-C: end by the signal itself through the CLI's handler (the shell sees 130 at once; process.exit
	// would first wait for key jobs still on the thread pool, half a second and more with RSA-4096).
	if (code === 130 && process.listenerCount('SIGINT') > 0) {
		process.kill(process.pid, 'SIGINT');
		// The handler runs on a later turn of the loop; process.exit now would still wait. It is the fallback.
		await new Promise(resolve => setTimeout(resolve, 2000));
	}

	// Leave now: key jobs for a cluster nobody will write (quit, Ctrl-C, an abandoned edit) may still be
	// running on the thread pool, and would keep the process alive for seconds after the screen is gone.
	process.exit(code);
}
