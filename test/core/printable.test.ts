import {describe, expect, it} from 'vitest';
import {inspectText} from '../../source/core/inspect.js';
import {lint} from '../../source/core/lint/index.js';
import {buildPlan, specById} from '../../source/core/plan.js';
import {issue} from '../../source/core/pki/issue.js';
import {generateKeyPair} from '../../source/core/pki/keys.js';
import {parseBytes} from '../../source/core/pki/load.js';
import {printable} from '../../source/core/printable.js';
import {exampleTopology} from '../../source/core/topology.js';

describe('printable', () => {
	it.each([
		['title and clear', 'a\u001B]0;x\u0007\u001B[2J', 'a\\x1b]0;x\\x07\\x1b[2J'],
		['cursor up, erase line', '\u001B[1A\u001B[2K', '\\x1b[1A\\x1b[2K'],
		['C1 CSI and DEL', '\u009B31m\u007F', '\\x9b31m\\x7f'],
		['a right-to-left override', 'gnp.\u202Eexe', 'gnp.\\u202eexe'],
		['tab and newline', 'a\tb\nc', 'a\\x09b\\x0ac'],
		['plain and CJK text stays', 'CN=管理者, O=system:masters', 'CN=管理者, O=system:masters'],
	])('%s', (_, input, expected) => {
		expect(printable(input)).toBe(expected);
	});

	it('the inspect report escapes a hostile CN and file name; no control character reaches the output', async () => {
		const plan = buildPlan({...exampleTopology(), algorithm: 'ecdsa-p256'});
		const keys = await generateKeyPair('ecdsa-p256');
		const cert = await issue({...specById(plan, 'ca'), commonName: 'x\u001B]0;pwned\u0007\u001B[2J'}, keys, undefined);
		const items = parseBytes('pki/evil\u001B[1A\u001B[2K.pem', Buffer.from(cert.certPem));
		const text = inspectText({loaded: {items, manifests: []}, findings: lint({items, manifests: []})}, '/');
		expect(text).toContain('evil\\x1b[1A\\x1b[2K.pem');
		expect(text).toContain('x\\x1b]0\\;pwned\\x07\\x1b[2J');
		// eslint-disable-next-line no-control-regex
		expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001F\u007F-\u009F]/);
	});
});
