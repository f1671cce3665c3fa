import {existsSync} from 'node:fs';
import {readFile, stat} from 'node:fs/promises';
import path from 'node:path';
import type {WizardEngine} from '../ui/wizard/engine.js';
import type {FolderReady} from '../ui/folder/Reading.js';
import type {FolderStart} from '../ui/wizard/mount.js';
import {UsageError, type CommandIo} from './io.js';

export type WizardFlags = {config?: string; out?: string; algorithm?: string};

/**
 * `kubepki` in a terminal: the wizard. Ends the process itself: 0 after writing or quitting, 130 on Ctrl-C.
 *
 * One process draws the screen; its keys are made in a child process (core/pki/key-process.ts), which it kills
 * when it is done: a Node process cannot end before the key jobs on its own thread pool finish (seconds with
 * RSA-4096), so quitting during key generation would otherwise hang that long.
 */
export async function runWizard(flags: WizardFlags, io: CommandIo): Promise<never> {
	// Raw mode at once: keys pressed while the screen loads then wait as keys (enter stays enter, Ctrl-C
	// reaches the wizard), instead of being echoed as a line and lost.
	if (process.stdin.isTTY) process.stdin.setRawMode(true);
	try {
		return await runScreen(flags, io);
	} catch (error) {
		// Bad input before the screen opened (exit 2): the terminal as it was before the line is printed.
		if (process.stdin.isTTY) process.stdin.setRawMode(false);
		throw error;
	}
}

/** The wizard's screen: its first frame, then the keys (in their own process) and x509. */
async function runScreen(flags: WizardFlags, io: CommandIo): Promise<never> {
	// The same checks as generate, before the screen opens: bad input is one line and exit 2.
	const {loadTopology} = await import('./load-topology.js');
	const {topology, source} = await loadTopology(flags.config, io.cwd, flags.algorithm);
	const outDir = flags.out ?? 'pki';
	const outPath = path.resolve(io.cwd, outDir);
	const existing = await stat(outPath).catch(() => undefined);
	if (existing && !existing.isDirectory()) throw new UsageError(`--out: ${outDir} exists and is not a folder`);
	let code = 0;
	// Loading the screen (Ink and React) takes a moment: say so at once on a line the first frame then clears,
	// rather than leave a silent terminal.
	io.stdout.write('kubepki: opening the wizard…');
	const [{mountWizard, wizardFailedCode}, {removePendingTemps}, {printable}] = await Promise.all([withoutFetch(async () => import('../ui/wizard/mount.js')), import('../core/write.js'), import('../core/printable.js')]);

	// First frame first: key generation and x509 compete with drawing for both cores, so they start only once the
	// first frame is on the screen. The engine the wizard holds waits for the session they make.
	let frameDrawn!: () => void;
	const afterFirstFrame = new Promise<void>(resolve => {
		frameDrawn = resolve;
	});
	// Every key is made in the key process, started with the first one asked for; killed when the wizard ends.
	let keyProcess: {stop: () => void} | undefined;
	const session = afterFirstFrame.then(async () => {
		const [{buildPlan}, {startKeyGeneration}, {startKeyProcess}, {createPreviewSession}, {caCertPath}] = await Promise.all([
			import('../core/plan.js'),
			import('../core/pki/keys.js'),
			import('../core/pki/key-process.js'),
			import('../core/preview.js'),
			import('../core/placement.js'),
		]);
		keyProcess = startKeyProcess(process.argv[1]!);
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
	// First frame first: the frame says the folder is being read; reading it (x509, every certificate) starts after.
	const {manifestName} = await import('../core/manifest.js');
	let folder: FolderStart | undefined;
	/** Mid-rotation, a folder the screen cannot read: the one line printed once the screen is gone (exit 1). */
	let refusal: string | undefined;
	if (existsSync(path.join(outPath, manifestName))) {
		folder = {
			reading: afterFirstFrame.then(async (): Promise<FolderReady | undefined> => {
				const [{openFolder}, {renewFolder}, {renewWithinDays}, {Opening}, rotate, {rotationInProgress}] = await Promise.all([
					import('../core/folder-glance.js'),
					import('../core/renew.js'),
					import('../core/plan.js'),
					import('../ui/folder/Opening.js'),
					import('../core/rotate.js'),
					import('../core/manifest.js'),
				]);
				// A folder renew cannot read (no CA, a broken service-account pair) opens on the stages, as before.
				const glance = await openFolder(outPath).catch(() => undefined);
				if (glance) {
					return {
						Opening,
						opening: {
							glance,
							// A --config given too wins over the manifest's cluster for "Change the cluster".
							topology: flags.config ? topology : glance.topology,
							// What the screen showed (its cards) is what is written: refused if another run changed the folder since.
							renew: async prepared => renewFolder({outDir: outPath, selection: {kind: 'within', seconds: renewWithinDays * 86_400}, prepared}),
							// The same transaction as kubepki rotate-ca: what the screen showed is what is written.
							rotation: {
								preview: async (request, onProgress) => rotate.previewRotation({outDir: outPath, ...request, onProgress}),
								write: async (request, prepared) => rotate.rotateCa({outDir: outPath, ...request, prepared}),
							},
						},
					};
				}

				// Mid-rotation the stages would write the folder over the rotation (generate refuses that): when the
				// folder screen cannot open, say the next step instead, once the screen has given the terminal back.
				const rotating = rotationInProgress(await readFile(path.join(outPath, manifestName), 'utf8').catch(() => undefined), 'the wizard');
				if (rotating) {
					refusal = rotating;
					code = 1;
					app.unmount();
					return new Promise<never>(() => undefined);
				}

				return undefined;
			}),
		};
	}

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
	await app.waitUntilExit();
	await removePendingTemps();
	if (failure !== undefined) {
		io.stderr.write(`kubepki: the wizard failed: ${printable(failure)}\n`);
		code = wizardFailedCode;
	} else if (refusal !== undefined) {
		io.stderr.write(`kubepki: refused: ${printable(refusal)}\n`);
	}

	// The terminal as it was: Ink has shown the cursor again on unmount; raw mode, set above, goes off here.
	if (process.stdin.isTTY) process.stdin.setRawMode(false);
	// Keys still being made are of no use: the key process ends at once, and this one has no key job to wait for.
	keyProcess?.stop();
	if (code === 130) {
		// Ctrl-C: killed by SIGINT itself, which waits for nothing (the shell sees an interrupted program).
		process.removeAllListeners('SIGINT');
		process.kill(process.pid, 'SIGINT');
		await new Promise(resolve => setTimeout(resolve, 2000));
	}

	process.exit(code);
}

/**
 * Ink's layout engine (yoga-layout) loads its WebAssembly, inlined as a data: URL, through fetch whenever fetch
 * exists, and Node's first fetch loads its whole HTTP client (undici): some 10-25 ms before the first frame for
 * bytes already in memory. Without fetch, yoga decodes them itself. fetch is hidden for that import only.
 */
async function withoutFetch<T>(load: () => Promise<T>): Promise<T> {
	const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'fetch');
	if (!descriptor?.configurable) return load();
	Reflect.deleteProperty(globalThis, 'fetch');
	try {
		return await load();
	} finally {
		Object.defineProperty(globalThis, 'fetch', descriptor);
	}
}
