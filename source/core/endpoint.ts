// What a server actually presents: `kubepki inspect https://HOST:PORT`. One TLS handshake (Node's tls, which is
// OpenSSL) reads the chain the server sends; no trust decision is needed to read it. The verdicts a client would
// reach (the chain against the CA, the dialled name against the SANs, mutual TLS) are findings on the served
// certificate's row, in the words kubectl and etcdctl print. Errors before a chain is read (refused, time-out,
// not TLS) are one line naming the endpoint.
import type {PeerCertificate, TLSSocket} from 'node:tls';
import {ipFamily, normalizeIp, urlHost} from './ip.js';
import {buildChain} from './lint/chain-index.js';
import {sanCovers} from './lint/kubeconfig.js';
import {certItems, type CertItem, type Finding} from './lint/types.js';
import {parseBytes, type Item} from './pki/load.js';

export type Endpoint = {
	/** As typed: `https://127.0.0.1:2379` or `127.0.0.1:2379`. */
	readonly given: string;
	/** Without brackets: `127.0.0.1`, `fd00::1`, `master1`. */
	readonly host: string;
	readonly port: number;
	/** `https://HOST:PORT`: the served certificates' path in every report. */
	readonly url: string;
};

const hostPattern = /^(?:\[([\da-fA-F:.]+)\]|([A-Za-z\d](?:[A-Za-z\d.-]*[A-Za-z\d])?))$/;

/** `https://HOST[:PORT][/…]` or `HOST:PORT` (IPv6 in brackets); undefined for anything else. */
export function parseEndpoint(text: string): Endpoint | undefined {
	let host: string;
	let port: number;
	if (/^https:\/\//i.test(text)) {
		let url: URL;
		try {
			url = new URL(text);
		} catch {
			return undefined;
		}

		host = url.hostname;
		port = url.port ? Number(url.port) : 443;
	} else {
		const match = /^(.+):(\d{1,5})$/.exec(text);
		if (!match) return undefined;
		host = match[1]!;
		port = Number(match[2]);
	}

	const parts = hostPattern.exec(host);
	if (!parts || port < 1 || port > 65_535) return undefined;
	const bare = parts[1] ?? parts[2]!;
	if (parts[1] !== undefined && ipFamily(bare) !== 6) return undefined;
	const shownHost = ipFamily(bare) === 6 ? normalizeIp(bare) : bare.toLowerCase();
	return {given: text, host: shownHost, port, url: `https://${urlHost(shownHost)}:${port}`};
}

/** What the client side brings: the name to send and check, a client certificate for mutual TLS. */
export type HandshakeOptions = {
	/** SNI and the name checked against the SANs (kubectl's tls-server-name); default: the host dialled. */
	readonly servername?: string;
	readonly client?: {readonly certPem: Buffer | string; readonly keyPem: Buffer | string; readonly label: string};
	/** Connect and handshake within this many milliseconds (default 10 s). */
	readonly timeoutMs?: number;
	/**
	 * After a TLS 1.3 handshake, how long to wait for the server's word on the client certificate (a session ticket
	 * means accepted, an alert refused; servers send one at once). Only a silent server waits this long.
	 */
	readonly settleMs?: number;
};

export type ClientVerdict = 'accepted' | 'refused' | 'required' | 'not-asked' | 'unknown';

export type Served = {
	readonly endpoint: Endpoint;
	/** The SNI sent (none for an address). */
	readonly servername?: string;
	readonly protocol: string;
	/** The certificates the server sent, leaf first, as items of path `endpoint.url`, source `tls`. */
	readonly items: Item[];
	/** What became of the client certificate: given and accepted or refused; none given and required, or not. */
	readonly client: ClientVerdict;
	/** The server's alert, when it refused the client or required one. */
	readonly clientAlert?: string;
	/** The client certificate offered, as the person named it (a file, a kubeconfig's user). */
	readonly clientLabel?: string;
};

/** A connection that gave no chain: one line, naming the endpoint. */
export class EndpointError extends Error {}

const defaultTimeoutMs = 10_000;
const defaultSettleMs = 3000;

/** The DER of every certificate the server sent, leaf first. */
function sentChain(socket: TLSSocket): Buffer[] {
	const chain: Buffer[] = [];
	let cert: PeerCertificate | undefined = socket.getPeerCertificate(true);
	const seen = new Set<string>();
	while (cert?.raw && !seen.has(cert.fingerprint256)) {
		seen.add(cert.fingerprint256);
		chain.push(cert.raw);
		const next: PeerCertificate | undefined = (cert as PeerCertificate & {issuerCertificate?: PeerCertificate}).issuerCertificate;
		cert = next;
	}

	return chain;
}

function alertText(error: NodeJS.ErrnoException): string {
	// `…:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:…` → `tlsv1 alert unknown ca`.
	const alert = /(tlsv1[3]? alert [a-z ]+|sslv3 alert [a-z ]+)/.exec(error.message)?.[1];
	return alert ?? error.message.split('\n')[0]!.slice(0, 160);
}

const isAlert = (error: NodeJS.ErrnoException) => /alert/.test(error.message) || /ALERT/.test(error.code ?? '');

function connectionError(endpoint: Endpoint, error: NodeJS.ErrnoException, timeoutMs: number): EndpointError {
	const where = endpoint.given;
	switch (error.code) {
		case 'ECONNREFUSED': {
			return new EndpointError(`${where}: connection refused (nothing listens on ${urlHost(endpoint.host)}:${endpoint.port})`);
		}

		case 'ENOTFOUND':
		case 'EAI_AGAIN': {
			return new EndpointError(`${where}: cannot resolve ${endpoint.host}`);
		}

		case 'ETIMEDOUT':
		case 'KUBEPKI_TIMEOUT': {
			return new EndpointError(`${where}: no TLS handshake within ${timeoutMs / 1000} s (timed out)`);
		}

		case 'EHOSTUNREACH':
		case 'ENETUNREACH': {
			return new EndpointError(`${where}: ${urlHost(endpoint.host)} is unreachable`);
		}

		case 'ECONNRESET': {
			return new EndpointError(`${where}: the server closed the connection during the TLS handshake (not a TLS port?)`);
		}

		default: {
			if (/wrong version number|packet length too long|unknown protocol|http request/i.test(error.message)) {
				return new EndpointError(`${where}: does not speak TLS (the server's answer is not a TLS handshake)`);
			}

			return new EndpointError(`${where}: TLS handshake failed: ${alertText(error)}`);
		}
	}
}

type Attempt = {chain: Buffer[]; protocol: string; client: ClientVerdict; clientAlert?: string};

async function handshake(endpoint: Endpoint, options: HandshakeOptions, withClient: boolean): Promise<Attempt> {
	// node:tls only when an endpoint is dialled: reading files (inspect --json of a folder) does not load it.
	const {connect} = await import('node:tls');
	const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
	const settleMs = options.settleMs ?? defaultSettleMs;
	const servername = options.servername ?? (ipFamily(endpoint.host) ? undefined : endpoint.host);
	const client = withClient ? options.client : undefined;
	return new Promise((resolve, reject) => {
		let settled = false;
		let secured: Omit<Attempt, 'client'> | undefined;
		const socket = connect({
			host: endpoint.host,
			port: endpoint.port,
			...(servername ? {servername} : {}),
			// Reading what is served needs no trust; the verdicts are made from the chain afterwards.
			rejectUnauthorized: false,
			checkServerIdentity: () => undefined,
			// No trust store at all: given one, Node completes the chain it reports with the issuers it trusts (its
			// roots, NODE_EXTRA_CA_CERTS), so a CA the server never sent would be shown as sent.
			ca: [],
			...(client ? {cert: client.certPem, key: client.keyPem} : {}),
		});
		const timer = setTimeout(() => fail(Object.assign(new Error('timed out'), {code: 'KUBEPKI_TIMEOUT'})), timeoutMs);
		let settle: NodeJS.Timeout | undefined;
		const done = (attempt: Attempt) => {
			if (settled) return;
			settled = true;
			clearTimeout(timer);
			clearTimeout(settle);
			socket.destroy();
			resolve(attempt);
		};

		function fail(error: NodeJS.ErrnoException) {
			if (settled) return;
			if (secured) {
				// After the handshake, an alert is the server's verdict on the client certificate (TLS 1.3).
				done({...secured, client: client ? 'refused' : isAlert(error) ? 'required' : 'unknown', ...(isAlert(error) ? {clientAlert: alertText(error)} : {})});
				return;
			}

			settled = true;
			clearTimeout(timer);
			// TLS 1.2: the server's certificates came before it refused the client's; they can still be read.
			let partial: Omit<Attempt, 'client'> | undefined;
			try {
				const chain = sentChain(socket);
				if (chain.length > 0) partial = {chain, protocol: socket.getProtocol() ?? 'unknown'};
			} catch {
				// Nothing was received.
			}

			socket.destroy();
			reject(Object.assign(error, {partial}));
		}

		socket.once('secureConnect', () => {
			clearTimeout(timer);
			secured = {chain: sentChain(socket), protocol: socket.getProtocol() ?? 'unknown'};
			// TLS 1.2: a refused client certificate fails the handshake itself, so reaching here means accepted.
			if (secured.protocol !== 'TLSv1.3') {
				done({...secured, client: client ? 'accepted' : 'not-asked'});
				return;
			}

			settle = setTimeout(() => done({...secured!, client: 'unknown'}), settleMs);
		});
		// TLS 1.3: the server's session ticket comes after it has checked the client's certificate.
		socket.on('session', () => {
			if (secured) done({...secured, client: client ? 'accepted' : 'not-asked'});
		});
		socket.on('data', () => {
			if (secured) done({...secured, client: client ? 'accepted' : 'not-asked'});
		});
		socket.on('error', fail);
		socket.on('close', () => {
			if (secured) done({...secured, client: client ? 'refused' : 'unknown'});
			else fail(Object.assign(new Error('closed'), {code: 'ECONNRESET'}));
		});
	});
}

/** Connect, read the served chain, and learn what the server made of the client certificate. */
export async function fetchServed(endpoint: Endpoint, options: HandshakeOptions = {}): Promise<Served> {
	const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
	let attempt: Attempt;
	try {
		attempt = await handshake(endpoint, options, true);
	} catch (error) {
		const e = error as NodeJS.ErrnoException & {partial?: Omit<Attempt, 'client'>};
		// TLS 1.2 refuses a client certificate inside the handshake, after the server sent its own chain.
		if (!isAlert(e) || (!options.client && !e.partial)) throw connectionError(endpoint, e, timeoutMs);
		// No client certificate given, and the server (TLS 1.2) ends the handshake for want of one.
		if (!options.client) return served(endpoint, options, {...e.partial!, client: 'required', clientAlert: alertText(e)});
		const again = e.partial ?? (await handshake(endpoint, options, false).catch((second: NodeJS.ErrnoException) => {
			throw connectionError(endpoint, second, timeoutMs);
		}));
		attempt = {...again, client: 'refused', clientAlert: alertText(e)};
	}

	return served(endpoint, options, attempt);
}

function served(endpoint: Endpoint, options: HandshakeOptions, attempt: Attempt): Served {
	if (attempt.chain.length === 0) throw new EndpointError(`${endpoint.given}: the server sent no certificate`);
	const items = attempt.chain.flatMap((der, index) =>
		parseBytes(endpoint.url, der).map(item => ({...item, source: 'tls', ...(attempt.chain.length > 1 ? {block: index + 1} : {})})),
	);
	const servername = options.servername ?? (ipFamily(endpoint.host) ? undefined : endpoint.host);
	return {
		endpoint,
		...(servername ? {servername} : {}),
		protocol: attempt.protocol,
		items,
		client: attempt.client,
		...(attempt.clientAlert ? {clientAlert: attempt.clientAlert} : {}),
		...(options.client ? {clientLabel: options.client.label} : {}),
	};
}

// ---------------------------------------------------------------------------------------------------
// Verdicts

/** What an endpoint's report says, besides its findings: `inspect --json`'s `endpoints[]`. */
export type EndpointReport = {
	readonly endpoint: string;
	readonly url: string;
	readonly servername: string | null;
	readonly protocol: string;
	/** The served certificates, as `items[].path` + `#block`. */
	readonly chain: string[];
	/** The CA files the chain was checked against; empty when none was given or found. */
	readonly caFiles: string[];
	/** true: leads to one of caFiles; false: does not; null: no CA to check against. */
	readonly verified: boolean | null;
	/** The name checked against the served certificate's SANs, and kubectl's error when it is not among them. */
	readonly nameChecked: string;
	readonly nameError: string | null;
	readonly client: ClientVerdict;
	readonly clientCertificate: string | null;
	readonly clientAlert: string | null;
	/** The local file holding the very same certificate, or null. */
	readonly sameAs: string | null;
};

/** Go's x509 HostnameError, as kubectl prints it; undefined when the name is covered. */
export function hostnameError(cert: CertItem, name: string): string | undefined {
	if (sanCovers(cert, name)) return undefined;
	const c = cert.cert;
	const hasSans = c.dnsNames.length + c.ipAddresses.length > 0;
	if (!hasSans && c.commonName.toLowerCase() === name.toLowerCase()) return 'x509: certificate relies on legacy Common Name field, use SANs instead';
	let valid: string;
	if (ipFamily(name)) {
		if (c.ipAddresses.length === 0) return `x509: cannot validate certificate for ${name} because it doesn't contain any IP SANs`;
		valid = c.ipAddresses.join(', ');
	} else {
		valid = c.dnsNames.join(', ');
	}

	return valid ? `x509: certificate is valid for ${valid}, not ${name}` : `x509: certificate is not valid for any names, but wanted to match ${name}`;
}

export type VerdictInput = {
	readonly served: Served;
	/** The CA certificates trusted (from --ca, the kubeconfig, or ./pki), and where they came from. */
	readonly cas: readonly CertItem[];
	/** Why there is no CA, when `cas` is empty (said in the finding). */
	readonly noCaReason?: string;
	/** The local certificates the served one is compared with (./pki), and the folder's name. */
	readonly local: readonly CertItem[];
	readonly localName?: string;
	readonly now: Date;
};

const isCa = (item: CertItem) => item.cert.isCA && (item.cert.keyUsage.length === 0 || item.cert.keyUsage.includes('keyCertSign'));

/** Does the served chain lead to one of the CAs: each link's signature checked, every link a CA. */
function leadsTo(served: readonly CertItem[], cas: readonly CertItem[]): CertItem | undefined {
	const trusted = new Set(cas.map(ca => ca.cert.fingerprintSha256));
	const chain = buildChain([...served, ...cas]);
	const seen = new Set<string>();
	let at: CertItem | undefined = served[0];
	while (at && !seen.has(at.cert.fingerprintSha256)) {
		seen.add(at.cert.fingerprintSha256);
		if (trusted.has(at.cert.fingerprintSha256) && at !== served[0]) return at;
		const issuers = chain.issuers(at).filter(isCa);
		const root = issuers.find(issuer => trusted.has(issuer.cert.fingerprintSha256));
		if (root) return root;
		at = issuers.find(issuer => served.includes(issuer));
	}

	// A served certificate that is itself one of the trusted ones (a self-signed server, pinned).
	return served[0] && trusted.has(served[0].cert.fingerprintSha256) ? served[0] : undefined;
}

/** The findings about one endpoint (on its leaf's row) and the report `--json` carries. */
export function endpointVerdicts({served, cas, noCaReason, local, localName, now}: VerdictInput): {findings: Finding[]; report: EndpointReport} {
	const certs = certItems(served.items);
	const leaf = certs[0];
	const where = (item?: Item) => ({path: served.endpoint.url, ...(item ? {item: {source: item.source, ...(item.block === undefined ? {} : {block: item.block})}} : {})});
	const findings: Finding[] = [];
	const add = (rule: string, severity: Finding['severity'], message: string) => findings.push({...where(leaf), rule, severity, message});
	const name = served.servername ?? served.endpoint.host;
	const caFiles = [...new Set(cas.map(ca => ca.path))];
	let verified: boolean | null = null;
	let nameError: string | undefined;
	let sameAs: string | undefined;
	if (leaf) {
		// The chain.
		if (cas.length === 0) {
			add('endpoint-chain', 'warning', `not checked against a CA: ${noCaReason ?? 'none given'}. Give --ca FILE (the CA the clients of this server trust).`);
		} else {
			const root = leadsTo(certs, cas);
			verified = Boolean(root);
			if (root) add('endpoint-chain', 'info', `the served chain leads to ${root.path} (${root.cert.commonName || root.cert.subject}): a client trusting it accepts this server`);
			else {
				add(
					'endpoint-chain',
					'error',
					`x509: certificate signed by unknown authority: the served certificate (issuer ${leaf.cert.issuer || 'empty'}) does not lead to ${caFiles.join(', ')}. Clients that trust that CA refuse this server: it serves a certificate from another CA (a regenerated one?) or the wrong file.`,
				);
			}
		}

		// The name.
		nameError = hostnameError(leaf, name);
		if (nameError) {
			const san = ipFamily(name) ? `IP:${name}` : `DNS:${name}`;
			add('endpoint-name', 'error', `${nameError}. Clients dialling ${name} refuse it: add ${san} to the certificate's SANs and reissue it, or dial a name it has.`);
		} else {
			add('endpoint-name', 'info', `${name} is among the served certificate's SANs`);
		}

		// The same bytes as a local file?
		const same = local.find(item => item.cert.fingerprintSha256 === leaf.cert.fingerprintSha256 && !item.source.startsWith('kubeconfig:'));
		sameAs = same?.path;
		if (same) add('endpoint-local', 'info', `the served certificate is ${same.path}, byte for byte`);
		else if (local.length > 0) {
			const namesake = local.find(item => item.cert.subject === leaf.cert.subject && !item.source.startsWith('kubeconfig:'));
			if (namesake) {
				add(
					'endpoint-local',
					'warning',
					`the served certificate is not ${namesake.path} (same subject, other bytes: serial ${leaf.cert.serial} served, ${namesake.cert.serial} in the file): the server still serves an older or other copy. Copy the current file to it and restart the service.`,
				);
			} else {
				add('endpoint-local', 'info', `the served certificate is in no file of ${localName ?? 'the local folder'}`);
			}
		}

		// Its dates: what a client sees is what the server serves now.
		const end = Date.parse(leaf.cert.notAfter);
		if (!Number.isNaN(end) && now.getTime() > end) add('endpoint-validity', 'error', `x509: certificate has expired or is not yet valid: current time ${now.toISOString().slice(0, 19)}Z is after ${leaf.cert.notAfter}: every client refuses this server.`);
	}

	// Mutual TLS.
	const label = served.endpoint.url;
	switch (served.client) {
		case 'accepted': {
			findings.push({...where(leaf), rule: 'endpoint-client', severity: 'info', message: `the server accepted the client certificate ${served.clientLabel ?? '(given)'}: mutual TLS complete`});
			break;
		}

		case 'refused': {
			findings.push({
				...where(leaf),
				rule: 'endpoint-client',
				severity: 'error',
				message: `the server refused the client certificate ${served.clientLabel ?? '(given)'}${served.clientAlert ? ` (${served.clientAlert})` : ''}: it is not signed by a CA the server trusts for clients, or its usage does not allow client auth.`,
			});
			break;
		}

		case 'required': {
			findings.push({...where(leaf), rule: 'endpoint-client', severity: 'info', message: `${label} requires a client certificate (${served.clientAlert ?? 'alert'}): give --cert FILE --key FILE or --kubeconfig FILE to check mutual TLS`});
			break;
		}

		default: {
			break;
		}
	}

	return {
		findings,
		report: {
			endpoint: served.endpoint.given,
			url: served.endpoint.url,
			servername: served.servername ?? null,
			protocol: served.protocol,
			chain: served.items.map(item => `${item.path}${item.block ? `#${item.block}` : ''}`),
			caFiles,
			verified,
			nameChecked: name,
			nameError: nameError ?? null,
			client: served.client,
			clientCertificate: served.clientLabel ?? null,
			clientAlert: served.clientAlert ?? null,
			sameAs: sameAs ?? null,
		},
	};
}
