import {readdirSync} from 'node:fs';
import path from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startTerm, type Term} from '../e2e/tmux.js';
import {cliPath, hasTool, kubepki, run, tempDir} from '../helpers/tools.js';

const ready = hasTool('tmux') && hasTool('openssl') && hasTool('kubectl');
const dir = tempDir('kubepki-inspect-tty-');
let term: Term;

describe.skipIf(!ready)('kubepki inspect in a real terminal (tmux, 80×24) opens the viewer', () => {
	const mistakes = path.join(dir, 'mistakes');

	beforeAll(() => {
		run('sh', [path.resolve(import.meta.dirname, '../../fixtures/guide-mistakes/make.sh'), mistakes]);
		// The one tmux driver (a private server, -L). CI=false: under CI=true Ink draws nothing until exit.
		// NO_COLOR: marks must carry the meaning alone.
		term = startTerm([process.execPath, cliPath, 'inspect', '.'], {columns: 80, rows: 24, cwd: mistakes, env: {CI: 'false', NO_COLOR: '1'}});
	});

	afterAll(() => {
		term.kill();
	});

	it('shows the tree, the first certificate and the verdict, within 80×24', async () => {
		const text = await term.waitFor(/KUBERNETES-CA · key [\da-f]{8}/);
		// The viewer's verdict is the one lint --json gives for the same folder.
		const {findings} = JSON.parse(kubepki(['lint', '--json', mistakes]).stdout) as {findings: Array<{severity: string}>};
		const errors = findings.filter(f => f.severity === 'error').length;
		expect(errors).toBeGreaterThan(10);
		const files = readdirSync(mistakes, {recursive: true, withFileTypes: true}).filter(entry => entry.isFile()).length;
		expect(text).toContain(`kubepki inspect · ${files} file(s) · ✗ ${errors} error(s)`);
		expect(text).toMatch(/✗ \d+ error\(s\)/);
		expect(text).toMatch(/✗ admin\.pem/);
		// ca.pem and its namesake under remade/ are each one row (×2: a copy each), told apart by their keys.
		expect(text).toMatch(/[✓✗] ca\.pem/);
		expect(text).toContain('q/esc quit');
		for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
		// NO_COLOR: the pane holds no colour escapes at all.
		expect(term.screen({escapes: true})).not.toMatch(/\u001B\[(3\d|9\d)(;\d+)*m/);
	});

	it('moves to the typo kubelet with the arrow keys and shows its rule', async () => {
		// The CA heads its own group and is selected first; worker-0.pem is further down.
		await term.waitFor(/›[✓✗] (remade\/)?ca\.pem/);
		let text = term.screen();
		for (let i = 0; i < 40 && !text.includes('CN=system:nodes:worker-0'); i++) {
			const before = text;
			term.keys('Down');
			// Each Down moves the cursor a row: wait until the screen shows it moved.
			text = await term.waitFor(screen => screen !== before);
		}

		text = await term.waitFor('kubelet-identity');
		expect(text).toContain('system:node:worker-0');
		// The detail is longer than the pane: tab gives it the keys, and page down reaches the fingerprint.
		term.keys('Tab');
		text = await term.waitFor('scrolling the detail');
		for (let i = 0; i < 6 && !text.includes('SHA-256'); i++) {
			const before = text;
			term.keys('NPage');
			text = await term.waitFor(screen => screen !== before || screen.includes('SHA-256'));
		}

		await term.waitFor('SHA-256');
	});

	it('q leaves the viewer, and the exit code says errors were found', async () => {
		term.keys('q');
		const text = await term.waitFor(/EXIT=\d+/);
		expect(/EXIT=(\d+)/.exec(text)?.[1]).toBe('1');
	});

	it('piped, the same command prints the report instead of opening the viewer', () => {
		const result = kubepki(['inspect', path.join(mistakes, 'ca.pem')]);
		expect(result.stdout).toMatch(/ca\.pem {2}certificate \(pem\)/);
		expect(result.status).toBe(0);
	});
});
