// The wizard rendered with Ink at a chosen size: keys in, frames out. The engine is the real one
// (core/preview.ts makes and signs real certificates, ECDSA for speed); only its write is kept in memory,
// so these tests never touch the disk.
import {execFileSync} from 'node:child_process';
import {randomBytes} from 'node:crypto';
import {tmpdir} from 'node:os';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {createPreviewSession, type Prepared, type Preview} from '../../source/core/preview.js';
import type {ToolStatus} from '../../source/core/tools.js';
import {exampleTopology, type Topology} from '../../source/core/topology.js';
import type {WizardEngine} from '../../source/ui/wizard/engine.js';
import type {StageId} from '../../source/ui/wizard/machine.js';
import {stages} from '../../source/ui/wizard/stages/index.js';
import {Wizard} from '../../source/ui/wizard/Wizard.js';
import {hasTool} from '../helpers/tools.js';
import {testEngine} from './engine.js';
import {cleanup, focusRow, keys, press, renderAt, waitFor} from './ink.js';

afterEach(cleanup);

const topology: Topology = {...exampleTopology(), algorithm: 'ecdsa-p256'};
// A folder that never exists: the preview looks there for an existing CA and finds none.
const outPath = path.join(tmpdir(), `kubepki-ui-absent-${randomBytes(6).toString('hex')}`);
const session = createPreviewSession({outDir: outPath, source: 'test'});

type Harness = {engine: WizardEngine; previews: Preview[]; writes: Prepared[]; exits: number[]};

function harness(tools: readonly ToolStatus[] = []): Harness {
	const previews: Preview[] = [];
	const writes: Prepared[] = [];
	const engine = testEngine(session, {previews, writes: {outPath, prepared: writes}, tools});
	return {engine, previews, writes, exits: []};
}

function open(h: Harness, stage?: StageId, size: {columns?: number; rows?: number} = {columns: 100, rows: 40}) {
	return renderAt(<Wizard topology={topology} engine={h.engine} outDir="pki" outPath={outPath} stage={stage} onExit={code => h.exits.push(code)} />, size);
}

const ready = 'certificates made in memory';

describe('Tools', () => {
	test('shows found and missing tools with marks and the install line', async () => {
		const r = open(
			harness([
				{name: 'openssl', found: true, version: '3.0.19'},
				{name: 'cfssl', found: false, install: ['Debian/Ubuntu: sudo apt-get install golang-cfssl']},
			]),
		);
		const frame = await waitFor(r, '✗ cfssl');
		expect(frame).toContain('✓ openssl    3.0.19');
		expect(frame).toContain('missing');
		expect(frame).toContain('sudo apt-get install golang-cfssl');
	});

	test('an old version is marked ! with the version to use and why, not ✓', async () => {
		const r = open(harness([{name: 'cfssl', found: true, version: '1.2.0', neededFor: 'building the PKI by hand', outdated: {current: '1.6.x', why: 'a 2016 snapshot'}}]));
		const frame = await waitFor(r, '! cfssl');
		expect(frame).toContain('1.2.0, old: use 1.6.x · for building the PKI by hand');
		expect(frame).toContain('a 2016 snapshot');
		expect(frame).not.toContain('✓ cfssl');
	});

	test('an empty report says so instead of listing nothing', async () => {
		const r = open(harness([]));
		await waitFor(r, 'No tool report');
		await press(r, keys.enter, 'step 2 of 10: Cluster');
	});
});

describe('Cluster', () => {
	test('a bad worker shows the cluster file message under the field, and continuing is refused', async () => {
		const r = open(harness(), 'cluster');
		await waitFor(r, '[ Continue ]');
		await focusRow(r, 'Workers');
		await press(r, keys.enter, 'enter save');
		await press(r, ', ../x:10.0.0.300', '../x:10.0.0.300');
		const frame = await press(r, keys.enter, '✗ worker 3: name');
		expect(frame).toContain('would escape the output folder');
		expect(frame).toContain('✗ worker 3 (../x): ip: is not an IPv4 or IPv6 address');
		expect(frame).toContain('the cluster has problems');
		await focusRow(r, '[ Continue ]', keys.down);
		const refused = await press(r, keys.enter, 'fix the fields marked');
		expect(refused).toContain('step 2 of 10: Cluster');
	});

	test('a field is checked as it is typed, before enter', async () => {
		const r = open(harness(), 'cluster');
		await waitFor(r, '[ Continue ]');
		await focusRow(r, 'Service CIDR');
		await press(r, keys.enter, 'enter save');
		await press(r, '9', '✗ serviceCIDR');
		await press(r, keys.backspace, f => !f.includes('✗ serviceCIDR'));
		await press(r, keys.esc, '› Service CIDR');
	});

	test('q typed in a field is a letter, not a quit', async () => {
		const h = harness();
		const r = open(h, 'cluster');
		await waitFor(r, '[ Continue ]');
		await focusRow(r, 'Cluster name');
		await press(r, keys.enter, 'enter save');
		await press(r, 'q', 'kubernetes-the-hard-wayq');
		expect(r.frame()).not.toContain('Quit the wizard?');
		expect(h.exits).toEqual([]);
	});
});

describe('certificate cards come from the issued certificate', () => {
	test('the kubelet card shows its CN, groups and SANs, and the fingerprint of the real certificate', async () => {
		const h = harness();
		const r = open(h, 'kubelets');
		const frame = await waitFor(r, 'Kubelet of node1');
		expect(frame).toContain('CN=system:node:node1');
		expect(frame).toContain('K8s groups system:nodes');
		expect(frame).toContain('DNS:node1, IP:10.128.15.223');
		expect(frame).toContain('serverAuth, clientAuth');
		// Read by: the settings of the generated kubelet files that name its files (core/readings.ts), not a list of its own.
		expect(frame).toContain('kubelet (node1) tlsCertFile: /var/lib/kubelet/node1.pem');
		expect(frame).toContain('kubelet (node1) --kubeconfig=/var/lib/kubelet/kubeconfig');
		if (!hasTool('openssl')) return;
		const node1 = h.previews.at(-1)!.issued.find(i => i.spec.id === 'kubelet:node1')!;
		const fingerprint = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], {input: node1.certPem, encoding: 'utf8'}).split('=')[1]!.trim();
		// The card's first row of the fingerprint: at least the first eight bytes.
		expect(frame).toContain(fingerprint.slice(0, 23));
	});

	test('c swaps the explanation for the cfssl, then the openssl commands that make the same certificate', async () => {
		const r = open(harness(), 'ca');
		await waitFor(r, 'Why (c: the commands by hand)');
		// The card drawn first (its key made): pgdn scrolls the stage's pane while that has lines to scroll, and
		// the commands' pane only while it has none, so which pane a pgdn moved depended on how fast the key came.
		await waitFor(r, ready);
		const cfssl = await press(r, 'c', 'By hand with cfssl');
		expect(cfssl).toContain('cat > ca-config.json');
		// tab gives the commands' pane the keys, as a person would; then pgdn until the CA's own command shows.
		await press(r, keys.tab, '▸ By hand with cfssl');
		const gencert = 'cfssl gencert -initca ca-csr.json | cfssljson -bare ca';
		for (let i = 0; i < 5 && !r.frame().includes(gencert); i++) {
			const before = r.frame();
			await press(r, keys.pageDown, frame => frame !== before);
		}

		const scrolled = await waitFor(r, gencert);
		expect(scrolled).not.toMatch(/openssl (genpkey|req|x509)/);
		const frame = await press(r, 'c', 'By hand with openssl');
		expect(frame).toMatch(/openssl .*ca-key\.pem/);
		expect(frame).toContain('/O=Kubernetes/CN=Kubernetes');
		await press(r, 'c', 'Why (c: the commands by hand)');
	});

	test('esc goes back a stage', async () => {
		const r = open(harness(), 'ca');
		await waitFor(r, 'Cluster certificate authority');
		await press(r, keys.esc, 'step 2 of 10: Cluster');
	});

	test('enter pressed three times in one burst moves three stages', async () => {
		const r = open(harness(), 'ca');
		await waitFor(r, 'Cluster certificate authority');
		// Ink hands plain input that arrives together as one string; each enter in it still counts.
		await press(r, '\r\r\r', 'step 6 of 10: API server SANs');
	});
});

/** Page down through the stage's body to its end; the text of every screen on the way, joined. */
async function readBody(r: ReturnType<typeof open>): Promise<string> {
	let text = r.frame();
	// Each page waits for its own frame: a page the loop did not wait for is a page never read.
	for (let i = 0; i < 40 && !/lines? above/.test(r.frame()); i++) {
		const before = r.frame();
		text += '\n' + (await press(r, keys.pageDown, frame => frame !== before));
	}
	return text;
}

describe('Component certs, Kubeconfigs, etcd', () => {
	test('component cards carry the RBAC names the default bindings expect', async () => {
		const r = open(harness(), 'components');
		await waitFor(r, ready);
		const body = await readBody(r);
		for (const expected of [
			'CN=system:kube-controller-manager',
			'CN=system:kube-scheduler',
			'CN=system:kube-proxy',
			'O=system:masters, CN=admin',
			'K8s groups system:masters',
			'service-account.pem',
		]) {
			expect(body).toContain(expected);
		}
	});

	test('kubeconfigs: workers go through the load balancer, the admin through 127.0.0.1', async () => {
		const r = open(harness(), 'kubeconfigs');
		await waitFor(r, ready);
		const body = await readBody(r);
		expect(body).toMatch(/node1\.kubeconfig · 0600[\s\S]*?server +https:\/\/10\.128\.15\.226:6443/);
		expect(body).toMatch(/admin\.kubeconfig · 0600[\s\S]*?server +https:\/\/127\.0\.0\.1:6443/);
	});

	test('etcd: two members tolerate no failure, and every member is in --etcd-servers', async () => {
		const r = open(harness(), 'etcd', {columns: 200, rows: 40});
		const frame = await waitFor(r, ready);
		expect(frame).toContain('2 member(s), quorum 2: the cluster survives 0 failed member(s)');
		expect(frame).toContain('--etcd-servers=https://10.128.15.221:2379,https://10.128.15.222:2379');
	});

	test('tab moves the arrows to the explanation, which scrolls; esc brings them back', async () => {
		const r = open(harness(), 'ca', {columns: 80, rows: 24});
		await waitFor(r, ready);
		const before = await press(r, keys.tab, '▸ Why');
		expect(before).toContain('↑↓ scroll this pane');
		const scrolled = await press(r, keys.down, /lines? above|more lines/);
		await waitFor(r, f => f !== before);
		expect(scrolled).toContain('step 3 of 10');
		await press(r, keys.esc, '─ Why');
		expect(r.frame()).toContain('step 3 of 10: Certificate authority');
	});
});

describe('API server SANs', () => {
	test('an added SAN is in the list and in the re-issued certificate; a bad one is refused in place', async () => {
		const h = harness();
		const r = open(h, 'sans');
		await waitFor(r, ready);
		await press(r, keys.up, '› Add a SAN');
		await press(r, keys.enter, 'enter save');
		await press(r, 'api.example.com', 'api.example.com');
		await press(r, keys.enter, '- api.example.com');
		expect(await waitFor(r, ready)).toContain('will hold 14 SANs');
		// The card is below the SAN list: page down to it, as a person would.
		let frame = r.frame();
		for (let i = 0; i < 15 && !frame.includes('DNS:api.example.com'); i++) {
			const before = frame;
			frame = await press(r, keys.pageDown, next => next !== before);
		}
		expect(frame).toContain('DNS:api.example.com');
		const apiserver = h.previews.at(-1)!.certs.find(c => c.spec.role === 'apiserver')!;
		expect(apiserver.info.dnsNames).toContain('api.example.com');

		await press(r, keys.enter, 'enter save');
		await press(r, 'Bad_Name', 'Bad_Name');
		const refused = await press(r, keys.enter, '✗ extra SAN 2: is neither an IP address');
		expect(refused).toContain('nor a lower-case DNS name');
		expect(refused).toContain('"Bad_Name")');
	});
});

describe('Encryption, Review & write', () => {
	test('the chosen provider is what is written; enter, y writes; q then leaves with 0', async () => {
		const h = harness();
		const r = open(h, 'encryption');
		// secretbox is the default; the guide's aescbc is picked here, so the test sees a choice written.
		await waitFor(r, '(•) secretbox');
		await press(r, keys.up, '› ( ) aesgcm');
		await press(r, keys.up, '› (•) secretbox');
		await press(r, keys.up, '› ( ) aescbc');
		await press(r, keys.enter, '(•) aescbc');
		await press(r, keys.enter, 'step 9 of 10: etcd');
		await press(r, keys.enter, 'step 10 of 10: Review & write');
		const review = await waitFor(r, /Write \d+ files to pki/);
		expect(review).toContain('0600  ca-key.pem');
		expect(review).toContain('0644  ca.pem');
		await press(r, keys.enter, /Write \d+ files to pki\?/);
		expect(h.writes).toEqual([]);
		await press(r, 'y', '✓ Wrote');
		expect(h.writes).toHaveLength(1);
		const config = h.writes[0]!.files.find(f => f.path === 'encryption-config.yaml')!;
		expect(String(config.content)).toMatch(/- aescbc:/);
		expect(config.mode).toBe(0o600);
		await focusRow(r, '[ Finish ]', keys.down);
		r.stdin.write('q');
		await waitFor(r, () => h.exits.length > 0);
		expect(h.exits).toEqual([0]);
	});

	test('after writing, v opens the viewer on the output folder and leaving it returns to Review', async () => {
		const h = harness();
		const r = open(h, 'review');
		await waitFor(r, /Write \d+ files to pki/);
		await press(r, keys.enter, /Write \d+ files to pki\?/);
		await press(r, keys.enter, '✓ Wrote');
		await press(r, 'v', f => !f.includes('step 10 of 10'));
		await press(r, 'q', 'step 10 of 10: Review & write');
		expect(h.exits).toEqual([]);
	});

	test('q before writing asks; n stays', async () => {
		const h = harness();
		const r = open(h, 'review');
		await press(r, 'q', 'Quit the wizard?');
		await press(r, 'n', '[ Write');
		expect(h.exits).toEqual([]);
	});

	test('Ctrl-C during the write lets it finish, then leaves with 130: all the files or none', async () => {
		const h = harness();
		let finish: (paths: string[]) => void = () => undefined;
		const engine: WizardEngine = {...h.engine, write: async () => new Promise<string[]>(resolve => (finish = resolve))};
		const r = renderAt(<Wizard topology={topology} engine={engine} outDir="pki" outPath={outPath} stage="review" onExit={code => h.exits.push(code)} />, {columns: 100, rows: 40});
		await waitFor(r, /Write \d+ files to pki/);
		await press(r, keys.enter, /Write \d+ files to pki\?/);
		await press(r, 'y', 'writing the files');
		r.stdin.write(keys.ctrlC);
		await new Promise(resolve => setTimeout(resolve, 50));
		expect(h.exits).toEqual([]);
		finish(['ca.pem']);
		await waitFor(r, () => h.exits.length > 0);
		expect(h.exits).toEqual([130]);
	});

	test('Ctrl-C leaves with 130 at once', async () => {
		const h = harness();
		const r = open(h, 'etcd');
		await waitFor(r, 'step 9 of 10');
		r.stdin.write(keys.ctrlC);
		await waitFor(r, () => h.exits.length > 0);
		expect(h.exits).toEqual([130]);
	});
});

describe('fits the terminal', () => {
	for (const size of [
		{columns: 80, rows: 24},
		{columns: 120, rows: 40},
	]) {
		test(`every stage at ${size.columns}×${size.rows}: no line wider, no frame taller than rows - 1`, async () => {
			for (const stage of stages) {
				const r = open(harness(), stage.id, size);
				const frame = await waitFor(r, f => f.includes(ready) && f.includes(`: ${stage.title}`));
				const lines = frame.split('\n');
				expect(lines.length, `${stage.id}\n${frame}`).toBeLessThanOrEqual(size.rows - 1);
				for (const line of lines) expect(line.length, `${stage.id}: ${line}`).toBeLessThanOrEqual(size.columns);
				// The explanation is on screen, not only behind a key.
				expect(frame).toMatch(/Why \(c: the commands by hand\)/);
				cleanup();
			}
		});
	}
});

describe('keeping what was shown and typed', () => {
	test('w in the command view saves the stage\'s commands in the output folder and says where', async () => {
		const saved = {outPath, files: [] as Array<{relative: string; content: string; mode: number}>};
		const engine = testEngine(session, {saved});
		const r = renderAt(<Wizard topology={topology} engine={engine} outDir="pki" outPath={outPath} stage="kubelets" onExit={() => undefined} />, {columns: 80, rows: 24});
		await waitFor(r, ready);
		await press(r, 'c', 'By hand with cfssl');
		await press(r, 'c', 'By hand with openssl');
		await press(r, 'w', 'saved the commands to pki/by-hand/kubelets-openssl.sh');
		expect(saved.files).toHaveLength(1);
		expect(saved.files[0]!.content).toContain('openssl x509 -req -in node1.csr');
		expect(saved.files[0]!.mode).toBe(0o755);
	});

	test('Review shows the folder\'s absolute path, and e saves the cluster as cluster.yaml there', async () => {
		const saved = {outPath, files: [] as Array<{relative: string; content: string; mode: number}>};
		const engine = testEngine(session, {saved});
		const r = renderAt(<Wizard topology={topology} engine={engine} outDir="pki" outPath={outPath} stage="review" onExit={() => undefined} />, {columns: 120, rows: 40});
		const frame = await waitFor(r, /Write \d+ files to pki \]/);
		expect(frame).toContain(`Folder  ${outPath}`);
		await press(r, 'e', 'saved the cluster to');
		expect(saved.files.map(f => f.relative)).toEqual(['cluster.yaml']);
		expect(saved.files[0]!.content).toContain('name: node1');
	});
});
