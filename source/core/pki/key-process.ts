// The wizard's keys are made in a child process. A Node process cannot end before the jobs on its libuv thread
// pool finish (exit joins the pool: seconds with RSA-4096), so a wizard that made its keys itself could not quit
// at once. With the keys in a child, quitting is killing the child and leaving; and the wizard is one Node start,
// not two (a launcher that only waited for a screen process cost a whole start before the first frame).
// The child is the same CLI entry with KUBEPKI_KEY_PROCESS=1: it makes each key asked for with the same
// webcrypto call as generateKeyPairHere and sends it back as DER (PKCS#8 and SPKI), which the parent imports.
import {spawn} from 'node:child_process';
import {algorithms, generateKeyPairHere, keyImportParams, useKeyMaker, type Algorithm, type KeyPair} from './keys.js';

/** Set in the environment of the key process by the process that starts it. */
export const keyProcessEnv = 'KUBEPKI_KEY_PROCESS';

type Request = {readonly n: number; readonly algorithm: Algorithm};
type Reply = {readonly n: number; readonly pkcs8?: ArrayBuffer; readonly spki?: ArrayBuffer; readonly error?: string};

/** True in a key process started by startKeyProcess (the variable alone, without the channel, is not one). */
export function isKeyProcess(env: NodeJS.ProcessEnv): boolean {
	return env[keyProcessEnv] === '1' && typeof process.send === 'function';
}

/** In the key process: make each key asked for and send it back, until the parent goes. */
export function serveKeys(): void {
	process.on('message', (message: Request) => {
		const {n, algorithm} = message;
		if (!(algorithms as readonly string[]).includes(algorithm)) {
			process.send!({n, error: `unknown algorithm ${String(algorithm)}`} satisfies Reply);
			return;
		}

		void generateKeyPairHere(algorithm)
			.then(async pair => {
				const subtle = globalThis.crypto.subtle;
				const [pkcs8, spki] = await Promise.all([subtle.exportKey('pkcs8', pair.privateKey), subtle.exportKey('spki', pair.publicKey)]);
				process.send!({n, pkcs8, spki} satisfies Reply);
			})
			.catch((error: unknown) => process.send!({n, error: String(error)} satisfies Reply));
	});
	// The parent gone (quit, killed, its terminal closed): nothing more is wanted. SIGKILL, since exit would wait
	// for the key jobs still on the pool.
	process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));
}

export type KeyProcess = {
	/** Kill the key process at once (keys being made are dropped); keys are made in this process again. */
	readonly stop: () => void;
};

/**
 * Make every key of this process in a child process from now on (`entry`: the CLI script). The child starts with
 * the first key asked for. Should it fail to start or die, the keys it owed and every later one are made here.
 */
export function startKeyProcess(entry: string): KeyProcess {
	const pending = new Map<number, {readonly algorithm: Algorithm; readonly resolve: (keys: KeyPair) => void; readonly reject: (error: unknown) => void}>();
	let next = 0;
	let child: ReturnType<typeof spawn> | undefined;
	let stopped = false;

	const makeHere = () => {
		useKeyMaker(undefined);
		for (const job of pending.values()) generateKeyPairHere(job.algorithm).then(job.resolve, job.reject);
		pending.clear();
	};

	const start = () => {
		const started = spawn(process.execPath, [...process.execArgv, entry], {
			env: {...process.env, [keyProcessEnv]: '1'},
			stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
			serialization: 'advanced',
		});
		started.on('message', (reply: Reply) => {
			const job = pending.get(reply.n);
			if (!job) return;
			pending.delete(reply.n);
			if (reply.error !== undefined || !reply.pkcs8 || !reply.spki) {
				job.reject(new Error(`key process: ${reply.error ?? 'no key'}`));
				return;
			}

			const subtle = globalThis.crypto.subtle;
			const params = keyImportParams(job.algorithm);
			Promise.all([subtle.importKey('pkcs8', reply.pkcs8, params, true, ['sign']), subtle.importKey('spki', reply.spki, params, true, ['verify'])]).then(
				([privateKey, publicKey]) => job.resolve({privateKey, publicKey, algorithm: job.algorithm}),
				job.reject,
			);
		});
		started.once('error', makeHere);
		started.once('exit', () => {
			if (!stopped) makeHere();
		});
		return started;
	};

	useKeyMaker(async algorithm => {
		child ??= start();
		const n = next++;
		return new Promise<KeyPair>((resolve, reject) => {
			pending.set(n, {algorithm, resolve, reject});
			try {
				child!.send({n, algorithm} satisfies Request);
			} catch {
				// The channel closed (the child died): this key and the rest are made here.
				makeHere();
			}
		});
	});

	return {
		stop() {
			stopped = true;
			useKeyMaker(undefined);
			child?.kill('SIGKILL');
		},
	};
}
