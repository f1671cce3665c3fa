// `inspect` with live endpoints: the files named, plus what each server presents, checked against a CA and
// compared with the local folder. The served certificates become items (path `https://HOST:PORT`, source `tls`)
// so the report, the JSON and the viewer show them like files; the endpoint verdicts are findings on them.
import path from 'node:path';
import {endpointVerdicts, EndpointError, fetchServed, type Endpoint, type EndpointReport, type HandshakeOptions} from './endpoint.js';
import {inspectPaths, type Inspection} from './inspect.js';
import {buildChain} from './lint/chain-index.js';
import {lint, type Finding} from './lint/index.js';
import {certItems, type CertItem} from './lint/types.js';
import {copiesOf, signers} from './inspect.js';
import {loadPaths, type Item, type LoadResult} from './pki/load.js';
import {readFile} from 'node:fs/promises';

export type LiveRequest = {
	readonly endpoints: readonly Endpoint[];
	readonly servername?: string;
	/** --ca FILE: the CA certificates (one or a bundle) the chain is checked against. */
	readonly caFile?: string;
	/** --kubeconfig FILE: its current context's user is the client certificate, its cluster's CA the default CA. */
	readonly kubeconfig?: string;
	/** --cert FILE --key FILE: the client certificate for mutual TLS. */
	readonly certFile?: string;
	readonly keyFile?: string;
	readonly timeoutMs?: number;
	/** The folder the served certificates are compared with, and whose CAs are the default (./pki when present). */
	readonly localFolder?: string;
	/** `-`: standard input's bytes, read like a file. */
	readonly stdin?: Uint8Array;
};

export {EndpointError} from './endpoint.js';

type Client = NonNullable<HandshakeOptions['client']>;

/** The current context's user and cluster of a kubeconfig: the client certificate and the CA, data or files. */
async function fromKubeconfig(file: string): Promise<{client?: Client; cas: CertItem[]; caWhere?: string}> {
	const loaded = await loadPaths([file]);
	const kubeconfig = loaded.items.find(item => item.kind === 'kubeconfig');
	const parsed = kubeconfig?.raw?.parsedKubeconfig;
	if (!parsed) throw new EndpointError(`--kubeconfig ${file}: not a kubeconfig`);
	const context = parsed.contexts.find(c => c.name === parsed.currentContext) ?? parsed.contexts[0];
	const user = parsed.users.find(u => u.name === context?.user) ?? parsed.users[0];
	const cluster = parsed.clusters.find(c => c.name === context?.cluster) ?? parsed.clusters[0];
	const relative = (ref: string) => path.resolve(path.dirname(file), ref);
	const read = async (ref: string, field: string) =>
		readFile(relative(ref)).catch(() => {
			throw new EndpointError(`--kubeconfig ${file}: ${field} ${ref}: no such file (relative to the kubeconfig's folder)`);
		});
	let client: Client | undefined;
	if (user?.certPem && user.keyPem) client = {certPem: user.certPem, keyPem: user.keyPem, label: `${file} (users[${user.name}])`};
	else if (user?.certFile && user.keyFile) client = {certPem: await read(user.certFile, 'client-certificate'), keyPem: await read(user.keyFile, 'client-key'), label: `${user.certFile} (users[${user.name}] of ${file})`};
	let cas: CertItem[] = [];
	let caWhere: string | undefined;
	if (cluster?.caPem) {
		cas = certItems(loaded.items).filter(item => item.source === `kubeconfig:clusters[${cluster.name}].certificate-authority-data` || item.source === `kubeconfig:clusters[${cluster.name}].certificate-authority`);
		caWhere = `${file} (clusters[${cluster.name}])`;
	} else if (cluster?.caFile) {
		await read(cluster.caFile, 'certificate-authority');
		cas = certItems((await loadPaths([relative(cluster.caFile)])).items);
		caWhere = relative(cluster.caFile);
	}

	return {...(client ? {client} : {}), cas, ...(caWhere ? {caWhere} : {})};
}

const selfSignedCas = (items: readonly Item[]): CertItem[] => {
	const certs = certItems(items).filter(item => item.cert.isCA && !item.source.startsWith('kubeconfig:'));
	const chain = buildChain(certs);
	const byFingerprint = new Map<string, CertItem>();
	// The plainest copy of each (a file at the top before its copy under nodes/<host>/).
	for (const ca of certs.filter(item => chain.selfSigned(item)).sort((a, b) => a.path.split(path.sep).length - b.path.split(path.sep).length)) {
		if (!byFingerprint.has(ca.cert.fingerprintSha256)) byFingerprint.set(ca.cert.fingerprintSha256, ca);
	}

	return [...byFingerprint.values()];
};

/** Read the paths and every endpoint; throws EndpointError (one line) when an endpoint gives no chain. */
export async function inspectLive(paths: readonly string[], request: LiveRequest, now = new Date()): Promise<Inspection> {
	const [files, kubeconfig, local] = await Promise.all([
		paths.length > 0 || request.stdin ? inspectPaths(paths, now, request.stdin ? {stdin: request.stdin} : {}) : undefined,
		request.kubeconfig ? fromKubeconfig(request.kubeconfig) : undefined,
		request.localFolder ? loadPaths([request.localFolder]) : undefined,
	]);
	const client: Client | undefined =
		request.certFile && request.keyFile
			? {certPem: await readFile(request.certFile), keyPem: await readFile(request.keyFile), label: request.certFile}
			: kubeconfig?.client;
	// The CA: --ca, else the kubeconfig's, else the local folder's own CAs.
	let cas: CertItem[];
	let noCaReason: string | undefined;
	let caItems: Item[] = [];
	if (request.caFile) {
		const loaded = await loadPaths([request.caFile]);
		caItems = loaded.items;
		cas = certItems(loaded.items);
		if (cas.length === 0) throw new EndpointError(`--ca ${request.caFile}: no certificate in it`);
	} else if (kubeconfig && kubeconfig.cas.length > 0) {
		cas = kubeconfig.cas;
	} else {
		cas = local ? selfSignedCas(local.items) : [];
		caItems = cas;
		noCaReason = local ? `${request.localFolder} holds no CA` : 'no --ca given and no ./pki here';
	}

	const options: HandshakeOptions = {
		...(request.servername ? {servername: request.servername} : {}),
		...(client ? {client} : {}),
		...(request.timeoutMs ? {timeoutMs: request.timeoutMs} : {}),
	};
	const served = await Promise.all(request.endpoints.map(async endpoint => fetchServed(endpoint, options)));
	const localCerts = local ? certItems(local.items) : [];
	const verdicts = served.map(one => endpointVerdicts({served: one, cas, noCaReason, local: localCerts, localName: request.localFolder, now}));

	// One set: the files, the CA the chains were checked against (when not among them), the served chains.
	const fileItems = files?.loaded.items ?? [];
	const known = new Set(fileItems.map(item => path.resolve(item.path)));
	const extraCa = caItems.filter(item => !known.has(path.resolve(item.path)));
	const items = [...fileItems, ...extraCa, ...served.flatMap(one => one.items)];
	const loaded: LoadResult = {
		items,
		manifests: [...(files?.loaded.manifests ?? []), ...(local?.manifests ?? [])],
		files: files?.loaded.files ?? [],
		folders: files?.loaded.folders ?? [],
	};
	const endpointFindings: Finding[] = verdicts.flatMap(verdict => verdict.findings);
	// The files' own findings stay as they were; the served certificates and the CA are linted as a set.
	const servedLint = lint({items: [...extraCa, ...served.flatMap(one => one.items)], manifests: loaded.manifests}, {now});
	const findings = [...(files?.findings ?? []), ...servedLint.filter(finding => !known.has(path.resolve(finding.path))), ...endpointFindings];
	const endpoints: EndpointReport[] = verdicts.map(verdict => verdict.report);
	return {loaded, findings, signedBy: signers(items), copies: copiesOf(items), endpoints};
}
