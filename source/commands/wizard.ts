import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import type {FolderOpening} from '../ui/folder/Opening.js';
import type {WizardEngine} from '../ui/wizard/engine.js';
import {UsageError, type CommandIo} from './io.js';

export type WizardFlags = {config?: string; out?: string; algorithm?: string};

// Set in the environment of the process that draws the screen, by the one the shell started.
const screenProcess = 'KUBEPKI_WIZARD_SCREEN';

/** What the screen process tells its launcher when it is done: the exit code, terminal already restored. */
type Done = {readonly kubepkiWizardExit: number};

function isDone(message: unknown): message is Done {
	return typeof message === 'object' && message !== null && typeof (message as Done).kubepkiWizardExit === 'number';
}

/**
 * `kubepki` in a terminal: the wizard. Ends the process itself: 0 after writing or quitting, 130 on Ctrl-C.
 *
 * The screen and the key work run in a child process; the process the shell started only launches it and
 * leaves with its code. A Node process cannot end before the key jobs on its thread pool finish (exit joins
 * the pool: seconds with RSA-4096), so quitting during key generation would hang that long. The launcher has
 * no key jobs: when the screen says it is done, the launcher kills it outright and leaves at once.
 */
export async function runWizard(flags: WizardFlags, io: CommandIo): Promise<never> {
	if (io.env[screenProcess] === '1' && typeof process.send === 'function') return runScreen(flags, io);
	// Raw mode now, before the screen's process has even started: keys pressed while it loads then wait as
	// keys (enter stays enter, Ctrl-C reaches the wizard), instead of being echoed as a line and lost.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	return launchScreen(io);
}

/**
 * The process the shell waits for: start the screen as a child on the same terminal and leave with its
 * code. It never reads a key itself: the child has the terminal to itself.
 */
async function launchScreen(io: CommandIo): Promise<never> {
	const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
		cwd: io.cwd,
		env: {...io.env, [screenProcess]: '1'},
		stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
	});
	const ended = new Promise<void>(resolve => child.once('exit', () => resolve()));
	const outcome = await new Promise<{code: number} | {signal: NodeJS.Signals}>(resolve => {
		child.on('message', message => {
			if (isDone(message)) resolve({code: message.kubepkiWizardExit});
		});
		child.once('exit', (code, signal) => resolve(signal ? {signal} : {code: code ?? 1}));
		child.once('error', error => {
			io.stderr.write(`kubepki: cannot start the wizard: ${error.message}\n`);
			resolve({code: 1});
		});
	});
	// Done: whatever the screen still has on the thread pool is of no use. SIGKILL ends it at once, where its
	// own exit would wait for those jobs; it has restored the terminal and removed its temp files already.
	if (child.exitCode === null && child.signalCode === null) {
		child.kill('SIGKILL');
		await Promise.race([ended, new Promise(resolve => setTimeout(resolve, 1000))]);
	}

	const interrupted = 'signal' in outcome ? outcome.signal === 'SIGINT' : outcome.code === 130;
	if (interrupted) {
		// Ctrl-C: end by the signal itself, so the shell sees an interrupted program (130). This process wrote
		// nothing, so the CLI's handler (temp files) has nothing to do: the default action, at once.
		process.removeAllListeners('SIGINT');
		process.kill(process.pid, 'SIGINT');
		await new Promise(resolve => setTimeout(resolve, 2000));
	}

	process.exit('code' in outcome ? outcome.code : interrupted ? 130 : 1);
}

/**
 * The wizard's screen, in the child the launcher started (its modules load here only: the launcher stays a
 * bare Node process, so starting it costs little more than Node's own start).
 */
async function runScreen(flags: WizardFlags, io: CommandIo): Promise<never> {
	// The channel to the launcher must not keep this process alive: bad input ends it with exit 2 as usual.
	process.channel?.unref();
	// The same checks as generate, before the screen opens: bad input is one line and exit 2 (the launcher
	// leaves with the same code).
	const {loadTopology} = await import('./load-topology.js');
	const {topology, source} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	const outDir = flags.out ?? 'pki';
	const outPath = path.resolve(io.cwd, outDir);
	const existing = await stat(outPath).catch(() => undefined);
	if (existing && !existing.isDirectory()) throw new UsageError(`--out: ${outDir} exists and is not a folder`);
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	// Loading the screen (Ink and React) takes a moment: say so at once on a line the first frame then clears,
	// rather than leave a silent terminal.
	io.stdout.write('kubepki: opening the wizard…');
	const [{mountWizard, wizardFailedCode}, {removePendingTemps}, {printable}] = await Promise.all([import('../ui/wizard/mount.js'), import('../core/write.js'), import('../core/printable.js')]);

	// First frame first: key generation and x509 compete with drawing for both cores, so they start only once the
	// first frame is on the screen. The engine the wizard holds waits for the session they make.
	let frameDrawn!: () => void;
	const afterFirstFrame = new Promise<void>(resolve => {
		frameDrawn = resolve;
	});
	const session = afterFirstFrame.then(async () => {
		const [{buildPlan}, {startKeyGeneration}, {createPreviewSession}, {caCertPath}] = await Promise.all([
			import('../core/plan.js'),
			import('../core/pki/keys.js'),
			import('../core/preview.js'),
			import('../core/placement.js'),
		]);
		// A fresh folder needs every key: start them now; the screen's own request for the same cluster shares them.
		const fresh = !existsSync(path.join(outPath, caCertPath(buildPlan(topology))));
		const prestarted = fresh
			? [...startKeyGeneration(buildPlan(topology).certs)].map(([id, keys]) => ({id, algorithm: topology.algorithm, keys}))
			: [];
		return createPreviewSession({outDir: outPath, source, prestarted});
	});
	const engine: WizardEngine = {
		preview: async (t, onProgress) => (await session).preview(t, onProgress),
		prepare: async (preview, options) => (await session).prepare(preview, options),
		write: async prepared => (await session).write(prepared),
		probeTools: async () => (await import('../core/tools.js')).probeTools(io.env),
		saveFile: async (relative: string, content: string, mode: number) => (await import('../core/save-file.js')).saveFile(outPath, relative, content, mode),
	};

	// A folder that already encrypts secrets keeps its provider (and key): the wizard starts on it.
	const {encryptionConfigName, isEncryptionProvider, parseEncryptionConfig} = await import('../core/encryption.js');
	const existingConfig = await readFile(path.join(outPath, encryptionConfigName), 'utf8').catch(() => undefined);
	const parsedConfig = existingConfig === undefined ? undefined : parseEncryptionConfig(existingConfig);
	const encryption = parsedConfig?.ok && isEncryptionProvider(parsedConfig.summary.firstProvider) ? parsedConfig.summary.firstProvider : undefined;
	// A folder kubepki made opens on itself: what expires, lint errors, and renew / change the cluster / a new folder.
	const {manifestName} = await import('../core/manifest.js');
	let folder: FolderOpening | undefined;
	if (existsSync(path.join(outPath, manifestName))) {
		io.stdout.write('\r\u001B[2Kkubepki: reading the folder…');
		const [{openFolder}, {renewFolder}, {renewWithinDays}, rotate, {rotationInProgress}] = await Promise.all([
			import('../core/folder-glance.js'),
			import('../core/renew.js'),
			import('../core/plan.js'),
			import('../core/rotate.js'),
			import('../core/manifest.js'),
		]);
		// A folder renew cannot read (no CA, a broken service-account pair) opens on the stages, as before.
		const glance = await openFolder(outPath).catch(() => undefined);
		if (glance) {
			folder = {
				glance,
				// A --config given too wins over the manifest's cluster for "Change the cluster".
				topology: flags.config ? topology : glance.topology,
				renew: async () => renewFolder({outDir: outPath, selection: {kind: 'within', seconds: renewWithinDays * 86_400}}),
				// The same transaction as kubepki rotate-ca: what the screen showed is what is written.
				rotation: {
					preview: async request => rotate.previewRotation({outDir: outPath, ...request}),
					write: async (request, prepared) => rotate.rotateCa({outDir: outPath, ...request, prepared}),
				},
			};
		} else {
			// Mid-rotation the stages would write the folder over the rotation (generate refuses that): when the
			// folder screen cannot open, say the next step instead.
			const rotating = rotationInProgress(await readFile(path.join(outPath, manifestName), 'utf8').catch(() => undefined), 'the wizard');
			if (rotating) {
				const {printable} = await import('../core/printable.js');
				io.stdout.write('\r\u001B[2K');
				io.stderr.write(`kubepki: refused: ${printable(rotating)}\n`);
				if (process.stdin.isTTY) process.stdin.setRawMode(false);
				process.exit(1);
			}
		}
	}

	let code = 0;
	let failure: string | undefined;
	const color = !io.env.NO_COLOR;
	io.stdout.write('\r\u001B[2K');
	const app = mountWizard({
		topology,
		engine,
		outDir,
		outPath,
		encryption,
		color,
		folder,
		onExit(exitCode: number) {
			code = exitCode;
			app.unmount();
		},
		onFailure(line: string) {
			failure = line;
			// Unmounting gives the terminal back (raw mode off, cursor shown) before the line is printed.
			setImmediate(() => app.unmount());
		},
	});
	setImmediate(frameDrawn);
	// The launcher gone (killed, its terminal closed): nobody waits for this screen any more.
	process.once('disconnect', () => {
		app.unmount();
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
		process.kill(process.pid, 'SIGKILL');
	});
	await app.waitUntilExit();
	await removePendingTemps();
	if (failure !== undefined) {
		io.stderr.write(`kubepki: the wizard failed: ${printable(failure)}\n`);
		code = wizardFailedCode;
	}

	// The terminal as it was: Ink has shown the cursor again on unmount; raw mode, set above, goes off here.
	if (process.stdin.isTTY) process.stdin.setRawMode(false);
	process.removeAllListeners('disconnect');
	if (code === 130) {
		// Ctrl-C: killed by SIGINT itself, which waits for nothing; the launcher sees it and does the same.
		process.removeAllListeners('SIGINT');
		process.kill(process.pid, 'SIGINT');
	} else {
		// Tell the launcher the code; it ends this process without waiting for key jobs on the thread pool.
		process.send!({kubepkiWizardExit: code} satisfies Done);
	}

	await new Promise(resolve => setTimeout(resolve, 2000));
	process.exit(code);
}
