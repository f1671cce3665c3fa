// Trust: every certificate must be signed by a CA in the set ("x509: certificate signed by unknown
// authority", "Unauthorized"), and whatever signs must really be a CA (basicConstraints CA:TRUE).
import {hardwayCaCert} from '../placement.js';
import {label} from './chain-index.js';
import {about, certItems, where, type CertItem, type Finding, type Rule} from './types.js';

export const unknownAuthority: Rule = {
	id: 'unknown-authority',
	summary: 'a certificate not signed by any CA in the set',
	check({items, chain}) {
		const certs = certItems(items);
		const anyCa = certs.some(item => item.cert.isCA);
		const findings: Finding[] = [];
		for (const item of certs) {
			if (chain.selfSigned(item) || chain.issuers(item).length > 0) continue;
			const issuer = item.cert.issuer || '(empty issuer)';
			if (!anyCa) {
				findings.push({
					...about(item),
					rule: 'unknown-authority',
					severity: 'info',
					message: `${where(item)}its issuer (${issuer}) is not among the files read, so the chain was not checked; add the CA (${hardwayCaCert}) to check it.`,
				});
				continue;
			}

			const namesake = chain.sameName(item).filter(candidate => candidate.cert.fingerprintSha256 !== item.cert.fingerprintSha256);
			const detail = namesake.length > 0
				? `a CA named ${issuer} is here (${label(namesake[0]!)}) but did not sign it: the CA was regenerated after this certificate was made`
				: `no certificate here is its issuer (${issuer})`;
			findings.push({
				...about(item),
				rule: 'unknown-authority',
				severity: 'error',
				message: `${where(item)}not signed by any CA in the set: ${detail}. Peers fail with "x509: certificate signed by unknown authority" (or "Unauthorized"). Reissue it with the current CA.`,
			});
		}

		return findings;
	},
};

function isRealCa(item: CertItem): boolean {
	const ku = item.cert.keyUsage;
	return item.cert.isCA && (ku.length === 0 || ku.includes('keyCertSign'));
}

export const issuerNotCa: Rule = {
	id: 'issuer-not-ca',
	summary: 'a certificate that signs others (or is named as a CA) without basicConstraints CA:TRUE and keyCertSign',
	check({items, chain}) {
		const findings: Finding[] = [];
		const reported = new Set<string>();
		const report = (issuer: CertItem, why: string) => {
			const key = `${issuer.path}|${issuer.source}|${issuer.block ?? 0}`;
			if (reported.has(key)) return;
			reported.add(key);
			const missing = issuer.cert.isCA ? 'keyUsage lacks keyCertSign' : issuer.cert.hasBasicConstraints ? 'basicConstraints says CA:FALSE' : 'it has no basicConstraints CA:TRUE';
			findings.push({
				...about(issuer),
				rule: 'issuer-not-ca',
				severity: 'error',
				message: `${where(issuer)}${why}, but ${missing} (openssl x509 -req -signkey makes such certificates): TLS clients reject every certificate it signed. Reissue it with -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign".`,
			});
		};

		for (const item of certItems(items)) {
			for (const issuer of chain.issuers(item).filter(issuer => !isRealCa(issuer))) report(issuer, `it signs ${label(item)}`);
		}

		for (const item of certItems(items)) {
			if (item.kubernetes?.role === 'ca' && !isRealCa(item) && item.kubernetes.roleFrom !== 'subject') report(item, 'it is named as a CA');
		}

		return findings;
	},
};
