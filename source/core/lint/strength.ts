// Keys and signatures that today's clients reject or that can be broken: RSA under 2048 bits (the
// guide's `openssl genrsa … 1024`), SHA-1 or MD5 signatures (Go refuses SHA-1 since 1.18).
import {label} from './chain-index.js';
import {about, certItems, where, type Finding, type Rule} from './types.js';

export const weakKey: Rule = {
	id: 'weak-key',
	summary: 'RSA keys under 2048 bits, EC keys under 256 bits',
	check({items}) {
		const findings: Finding[] = [];
		for (const item of items) {
			const key = item.cert?.publicKey ?? item.publicKey;
			if (!key?.bits) continue;
			const weak = (key.algorithm === 'RSA' && key.bits < 2048) || (key.algorithm === 'ECDSA' && key.bits < 256);
			if (!weak) continue;
			const what = item.kind === 'certificate' ? 'certificate has' : item.kind === 'csr' ? 'request has' : 'is';
			findings.push({
				...about(item),
				rule: 'weak-key',
				severity: 'error',
				message: `${where(item)}${what} ${key.algorithm === 'RSA' ? 'an' : 'a'} ${key.algorithm} ${key.bits}-bit key: too weak (at least RSA 2048 or ECDSA P-256). Make a new key (openssl genrsa -out key.pem 2048) and reissue the certificate from it.`,
			});
		}

		return findings;
	},
};

const weakHash = /sha1|md5|md2/i;

export const weakSignature: Rule = {
	id: 'weak-signature',
	summary: 'certificates signed with SHA-1 or MD5',
	check({items, chain}) {
		const findings: Finding[] = [];
		for (const item of certItems(items)) {
			if (!weakHash.test(item.cert.signatureAlgorithm)) continue;
			// A root's own signature is never checked by TLS clients: still worth fixing, but not an outage.
			const root = chain.selfSigned(item) && item.cert.isCA;
			findings.push({
				...about(item),
				rule: 'weak-signature',
				severity: root ? 'warning' : 'error',
				message: `${where(item)}signed with ${item.cert.signatureAlgorithm}: ${root ? 'weak, though clients do not check a root\'s own signature' : 'Go clients (kubectl, kubelet, etcd) reject SHA-1 signatures and MD5 is broken'}. Reissue with SHA-256 (openssl … -sha256; cfssl does by default).`,
			});
		}

		for (const item of items.filter(i => i.kind === 'csr' && i.csr && weakHash.test(i.csr.signatureAlgorithm))) {
			findings.push({...about(item), rule: 'weak-signature', severity: 'warning', message: `${label(item)}: the request is signed with ${item.csr!.signatureAlgorithm}; make it again with -sha256.`});
		}

		return findings;
	},
};
