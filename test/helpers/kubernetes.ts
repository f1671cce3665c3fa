import {existsSync, readFileSync} from 'node:fs';
import {homedir} from 'node:os';
import path from 'node:path';

/** The Go module that pins the Kubernetes release the control-plane suite runs (test/k8s/go.mod). */
export const kubernetesModuleDir = path.resolve(import.meta.dirname, '../k8s');

/** The command that builds the binaries (and prints their folder). */
export const kubernetesBuildCommand = 'bash test/k8s/build.sh';

export const kubernetesPrograms = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubectl'] as const;

/** The pinned k8s.io/kubernetes version, read from go.mod as build.sh reads it. */
export function kubernetesVersion(): string {
	const match = /^\s*k8s\.io\/kubernetes (v\d[\d.]*)/m.exec(readFileSync(path.join(kubernetesModuleDir, 'go.mod'), 'utf8'));
	if (!match?.[1]) throw new Error('test/k8s/go.mod does not require k8s.io/kubernetes');
	return match[1];
}

/** Where build.sh puts the binaries: the same folder it computes (KUBEPKI_K8S_CACHE, XDG_CACHE_HOME, ~/.cache). */
export function kubernetesBinDir(): string {
	const parent = process.env.KUBEPKI_K8S_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'kubepki');
	return path.join(parent, `kubernetes-${kubernetesVersion()}`);
}

/**
 * The folder of the built binaries, or undefined (after saying how to build them) when one is missing.
 * In CI (CI=true) a missing binary is a failure: .ci/run builds them before the tests.
 */
export function builtKubernetes(): string | undefined {
	const dir = kubernetesBinDir();
	const missing = kubernetesPrograms.filter(p => !existsSync(path.join(dir, p)));
	if (missing.length === 0) return dir;
	const hint = `${missing.join(', ')} missing in ${dir}: build them with ${kubernetesBuildCommand}`;
	if (process.env.CI && process.env.CI !== 'false' && process.env.CI !== '0') throw new Error(`CI: ${hint}`);
	console.warn(`skipping the control-plane suite: ${hint}`);
	return undefined;
}
