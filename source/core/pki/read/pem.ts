// PEM text as items: every BEGIN/END block in order, each block by its label (certificate, CSR, key; an encrypted
// key is noted, not opened). A block's body is DER, read by der-items.ts.
import {createPrivateKey, createPublicKey} from 'node:crypto';
import {readTlv, whole} from '../der.js';
import {certificateItem, csrItem, encryptedKeyItem, privateKeyItem, publicKeyItem} from './der-items.js';
import {reason, unreadable, type Item} from './items.js';

export type PemBlock = {readonly label: string; readonly body: string; readonly whole: string};

/**
 * Every `-----BEGIN X----- … -----END X-----` block, in order, in one pass: each END is looked for once, and a label
 * found without its END is not looked for again. (A regular expression with a lazy body rescanned the rest of the
 * text for every BEGIN: 100,000 unterminated BEGIN lines took minutes.) Same blocks as that expression gave.
 */
export function pemBlocks(text: string): PemBlock[] {
	const blocks: PemBlock[] = [];
	const endless = new Set<string>();
	let at = 0;
	for (;;) {
		const begin = text.indexOf('-----BEGIN ', at);
		if (begin < 0) break;
		const labelStart = begin + 11;
		const dashes = text.slice(labelStart, labelStart + 46).indexOf('-----');
		const label = dashes < 0 ? '' : text.slice(labelStart, labelStart + dashes);
		if (!/^[A-Z\d ]{1,40}$/.test(label) || endless.has(label)) {
			at = labelStart;
			continue;
		}

		const bodyStart = labelStart + dashes + 5;
		const endMarker = `-----END ${label}-----`;
		const end = text.indexOf(endMarker, bodyStart);
		if (end < 0) {
			endless.add(label);
			at = labelStart;
			continue;
		}

		blocks.push({label, body: text.slice(bodyStart, end), whole: text.slice(begin, end + endMarker.length)});
		at = end + endMarker.length;
	}

	return blocks;
}

export function pemItems(file: string, text: string): Item[] {
	const blocks = pemBlocks(text);
	if (blocks.length === 0) {
		const label = /-----BEGIN ([A-Z\d ]{1,40})-----/.exec(text)?.[1] ?? 'PEM';
		return [unreadable(file, `${label} block without its END line (truncated?)`, 'pem')];
	}

	const items: Item[] = [];
	// openssl ecparam -genkey writes EC PARAMETERS before the key: part of the key, not an item.
	const counted = blocks.filter(block => block.label !== 'EC PARAMETERS');
	let number = 0;
	for (const block of counted) {
		number++;
		const item = pemItem(file, block.label, block.body, block.whole);
		items.push(counted.length > 1 ? {...item, block: number} : item);
	}

	return items.length > 0 ? items : [unreadable(file, 'only EC PARAMETERS, no key', 'pem')];
}

function decodeBase64(body: string): Uint8Array | string {
	// Headers (Proc-Type, DEK-Info) end at a blank line; the base64 follows.
	const lines = body.split(/\r?\n/).filter(line => !/^[A-Za-z-]+:/.test(line.trim()));
	const compact = lines.join('').replace(/\s+/g, '');
	if (!/^[A-Za-z\d+/]*={0,2}$/.test(compact)) return 'PEM body is not base64';
	if (compact.length === 0) return 'empty PEM block';
	return Buffer.from(compact, 'base64');
}

export function pemItem(file: string, label: string, body: string, whole: string): Item {
	const der = decodeBase64(body);
	if (typeof der === 'string') return unreadable(file, `${label}: ${der}`, 'pem');
	try {
		switch (label) {
			case 'CERTIFICATE':
			case 'X509 CERTIFICATE':
			case 'TRUSTED CERTIFICATE': {
				return certificateItem(file, 'pem', label === 'TRUSTED CERTIFICATE' ? firstElement(der) : der);
			}

			case 'CERTIFICATE REQUEST':
			case 'NEW CERTIFICATE REQUEST': {
				return csrItem(file, 'pem', der);
			}

			case 'PRIVATE KEY':
			case 'RSA PRIVATE KEY':
			case 'EC PRIVATE KEY': {
				if (/Proc-Type:\s*4,ENCRYPTED/.test(body)) return encryptedKeyItem(file, 'pem');
				return privateKeyItem(file, 'pem', createPrivateKey({key: whole, format: 'pem'}));
			}

			case 'ENCRYPTED PRIVATE KEY': {
				return encryptedKeyItem(file, 'pem');
			}

			case 'PUBLIC KEY': {
				return publicKeyItem(file, 'pem', der);
			}

			case 'RSA PUBLIC KEY': {
				const spki = createPublicKey({key: Buffer.from(der), format: 'der', type: 'pkcs1'}).export({format: 'der', type: 'spki'});
				return publicKeyItem(file, 'pem', spki);
			}

			default: {
				return unreadable(file, `a PEM ${label} block: not a certificate, CSR or key`, 'pem');
			}
		}
	} catch (error) {
		return unreadable(file, `${label} block cannot be parsed (${reason(error)})`, 'pem');
	}
}

function firstElement(der: Uint8Array): Uint8Array {
	// TRUSTED CERTIFICATE is a certificate followed by openssl's trust settings. The one DER reader, bounds checked:
	// a malformed header leaves the bytes as they are, for the certificate parser to name what is wrong.
	try {
		return whole(readTlv(der, 0));
	} catch {
		return der;
	}
}
