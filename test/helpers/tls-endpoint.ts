import {execFile} from 'node:child_process';
import {createServer as createHttpsServer} from 'node:https';
import type {AddressInfo} from 'node:net';
import type {TLSSocket} from 'node:tls';

/** Run a tool without blocking the event loop (a TLS server answering it may live in this process). */
export function runAsync(tool: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		execFile(tool, args, {env, timeout: 20_000, encoding: 'utf8'}, (error, stdout, stderr) => {
			resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr});
		});
	});
}

/** The identity a client certificate carried, as the API server would read it (CN = user, O = groups). */
export type SeenClient = {readonly cn: string; readonly o: string[]; readonly url?: string};

/** What `kubectl get --raw /version` is answered with. */
export const fakeVersion = {major: '1', minor: '32', gitVersion: 'v1.32.0-kubepki-test', platform: 'linux/amd64'};

export type ClientCheckingEndpoint = {readonly port: number; readonly seen: SeenClient[]; close(): Promise<void>};

/**
 * A local HTTPS endpoint on 127.0.0.1 that does what kube-apiserver's TLS does: presents `cert`, and completes no
 * handshake without a client certificate that `ca` (a CA file, bundles included, as --client-ca-file) verifies.
 * Answers /version; records each request's client identity in `seen`.
 */
export async function startClientCheckingEndpoint(files: {cert: Buffer | string; key: Buffer | string; ca: Buffer | string}): Promise<ClientCheckingEndpoint> {
	const seen: SeenClient[] = [];
	const server = createHttpsServer({...files, requestCert: true, rejectUnauthorized: true}, (request, response) => {
		const peer = (request.socket as TLSSocket).getPeerCertificate();
		const o = peer.subject?.O;
		seen.push({cn: String(peer.subject?.CN ?? ''), o: o === undefined ? [] : Array.isArray(o) ? o.map(String) : [String(o)], url: request.url});
		response.writeHead(request.url === '/version' ? 200 : 404, {'content-type': 'application/json'});
		response.end(JSON.stringify(fakeVersion));
	});
	await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		seen,
		close: async () => new Promise<void>(resolve => server.close(() => resolve())),
	};
}

/** `kubectl get --raw /version` with one kubeconfig against a local endpoint, with a HOME of its own and no KUBECONFIG. */
export async function kubectlVersion(kubeconfig: string, port: number, home: string, extra: string[] = []) {
	return runAsync('kubectl', ['--kubeconfig', kubeconfig, '--server', `https://127.0.0.1:${port}`, ...extra, 'get', '--raw', '/version'], {...process.env, HOME: home, KUBECONFIG: ''});
}
