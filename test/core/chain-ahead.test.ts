// Signatures checked ahead on the thread pool (signatureChecker, while inspect reads the files) must give the chain
// the verdicts its own synchronous checks give. On the guides' mistakes (a CA made twice under one name, copies
// under nodes/, a leaf its CA did not sign, SHA-1, a signer that is not a CA, kubeconfigs embedding them), with
// the items handed over in the worst order: each leaf before its CA.
import path from 'node:path';
import {beforeAll, describe, expect, it} from 'vitest';
import {buildChain, label, signatureChecker} from '../../source/core/lint/chain-index.js';
import {certItems} from '../../source/core/lint/types.js';
import {loadPaths, type LoadResult} from '../../source/core/pki/load.js';
import {hasTool, run, tempDir} from '../helpers/tools.js';

const script = path.resolve(import.meta.dirname, '../../fixtures/guide-mistakes/make.sh');
const ready = hasTool('openssl') && hasTool('kubectl');

/** Every verdict a chain over the set gives: self-signed, the issuers found, and each pair of a name and its namesakes. */
function verdicts(loaded: LoadResult): string[] {
	const certs = certItems(loaded.items);
	const chain = buildChain(certs);
	const name = (item: (typeof certs)[number]) => `${label(item)}${item.block === undefined ? '' : `#${item.block}`}`;
	return certs.flatMap(item => [
		`${name(item)} self-signed ${chain.selfSigned(item)}`,
		`${name(item)} issuers ${chain.issuers(item).map(name).join(', ')}`,
		...chain.sameName(item).map(issuer => `${name(issuer)} verifies ${name(item)}: ${chain.verifies(issuer, item)}`),
	]);
}

describe.skipIf(!ready)('signatures checked ahead (signatureChecker)', () => {
	const dir = tempDir('kubepki-chain-ahead-');
	beforeAll(() => {
		run('sh', [script, dir]);
	});

	it('gives every verdict the synchronous checks give, leaves handed over before their CAs, one file at a time', async () => {
		// Two loads: different parsed objects, so the verdicts kept for one are not seen by the other.
		const plain = await loadPaths([dir]);
		const ahead = await loadPaths([dir]);
		const checker = signatureChecker();
		for (const item of [...ahead.items].reverse()) checker.add([item]);
		const {checked, kept} = await checker.done(ahead.items);
		const expected = verdicts(plain);
		// The set has verdicts both ways (a stale leaf, a CA made twice), so a checker that kept wrong ones would show.
		expect(expected.some(line => line.endsWith(': true'))).toBe(true);
		expect(expected.some(line => line.endsWith(': false'))).toBe(true);
		expect(checked).toBeGreaterThan(0);
		// Copies share a check: more verdicts kept than signatures checked.
		expect(kept).toBeGreaterThan(checked);
		expect(verdicts(ahead)).toEqual(expected);
	});
});
