// `kubepki generate` into an empty folder always needs the keys of the certificates that do not depend on the
// cluster file (the CA, admin, controller-manager, scheduler, kube-proxy, the API server, the service-account
// pair): start them at process start, before the command's code and the cluster file are even loaded. Only
// when the algorithm is certain from the command line and the folder is empty or absent; otherwise nothing
// starts, and a wrong guess costs nothing (the plan's keys take early ones only of their own algorithm).
import {readdirSync} from 'node:fs';
import path from 'node:path';
import {algorithms, defaultAlgorithm, startEarlyKeys, type Algorithm} from '../core/pki/keys.js';

/** The certificates of every hard-way plan whatever the cluster: fewer than any plan asks for. */
export const earlyKeyCount = 7;

type Flags = Readonly<Record<string, string | boolean | undefined | ReadonlyArray<string | boolean>>>;

const text = (value: Flags[string]): string | undefined => (typeof value === 'string' ? value : Array.isArray(value) ? (value.at(-1) as string | undefined) : undefined);

/** The algorithm to start keys of now, or undefined when this invocation should not start any. */
export function earlyKeyAlgorithm(command: string, flags: Flags, cwd: string): Algorithm | undefined {
	if (command !== 'generate' || flags.help || flags.version) return undefined;
	const given = text(flags.algorithm);
	// A cluster file may name its own algorithm: without the flag, only the built-in example's is certain.
	const algorithm = given ?? (flags.config === undefined ? defaultAlgorithm : undefined);
	if (!algorithm || !(algorithms as readonly string[]).includes(algorithm)) return undefined;
	if (!flags.force) {
		const out = text(flags.out) ?? 'pki';
		if (out.trim() === '') return undefined;
		try {
			// Anything in the folder may be a PKI whose keys are kept: then no key is made at all.
			if (readdirSync(path.resolve(cwd, out)).length > 0) return undefined;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
		}
	}

	return algorithm as Algorithm;
}

/** Start the early keys when this parsed invocation is a `generate` that will need them. */
export function startEarlyKeysFor(invocation: {readonly command: {readonly name: string}; readonly flags: Flags}, cwd: string): void {
	const algorithm = earlyKeyAlgorithm(invocation.command.name, invocation.flags, cwd);
	if (algorithm) startEarlyKeys(algorithm, earlyKeyCount);
}
