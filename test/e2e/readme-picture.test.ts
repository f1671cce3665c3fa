// The README's picture is drawn from a real capture: the HTML that scripts/ansi-html.mjs makes of a coloured
// tmux capture of the wizard must hold exactly the characters of the plain capture, in the colours the
// escape sequences named, and never show an escape sequence as text.
import {afterEach, describe, expect, test} from 'vitest';
import {applySgr, paletteColour, screenToHtmlLines} from '../../scripts/ansi-html.mjs';
import {cliPath, hasTool, tempDir} from '../helpers/tools.js';
import {startTerm, type Term} from './tmux.js';

const terms: Term[] = [];
afterEach(() => {
	for (const term of terms.splice(0)) term.kill();
});

/** What a browser shows of the HTML: the text, tags dropped and entities read. */
function shownText(html: string): string {
	return html.replaceAll(/<[^>]+>/g, '').replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

const plain = {fg: undefined, bg: undefined, bold: false, dim: false, italic: false, underline: false, inverse: false};

describe('ANSI to HTML for the README picture', () => {
	test('SGR: the 16 colours, the 256-colour cube and grey ramp, true colour, resets and inverse', () => {
		expect(applySgr(plain, '32').fg).toBe(paletteColour(2));
		expect(applySgr(plain, '92').fg).toBe(paletteColour(10));
		// Cube index 208 = 16 + 36·5 + 6·2 + 0: red level 5, green level 2, blue 0.
		expect(applySgr(plain, '38;5;208').fg).toBe('#ff8700');
		expect(applySgr(plain, '48;5;244').bg).toBe('#808080');
		expect(applySgr(plain, '1;38;2;1;2;254').fg).toBe('#0102fe');
		expect(applySgr(applySgr(plain, '1;31;44'), '0')).toEqual(plain);
		expect(applySgr(applySgr(plain, '1;31'), '22;39')).toEqual(plain);
		const inverse = screenToHtmlLines('\u001B[7;31mX\u001B[0m', {fg: '#aaaaaa', bg: '#111111'})[0];
		expect(inverse).toBe('<div><span style="color:#111111;background:#cd0000">X</span></div>');
	});

	test('other escape sequences are dropped, never drawn as text; markup in the text is escaped', () => {
		const lines = screenToHtmlLines('a\u001B]0;title\u0007b\u001B[2Kc <d> & e\n\u001B[1Awhole');
		expect(lines.map(line => shownText(line))).toEqual(['abc <d> & e', 'whole']);
		expect(lines.join('')).not.toContain('\u001B');
	});

	test.runIf(hasTool('tmux'))('a real wizard frame: the HTML shows every character of the plain capture, coloured where the app coloured it', async () => {
		const term = startTerm([process.execPath, cliPath, '--algorithm', 'ecdsa-p256'], {columns: 100, rows: 30, cwd: tempDir('kubepki-picture-'), env: {CI: 'false', FORCE_COLOR: '1', NO_COLOR: undefined, TERM: 'xterm-256color'}});
		terms.push(term);
		await term.waitFor('step 1 of 10');
		for (const step of ['step 2 of 10', 'step 3 of 10', 'step 4 of 10: Kubelet certs']) {
			term.keys('Enter');
			await term.waitFor(step);
		}

		await term.waitFor('Read by');
		// The two captures are two looks at the screen: take them again until the screen did not change between
		// them (the same coloured capture before and after the plain one), so they are of one frame.
		let coloured = term.screen({escapes: true});
		let text = term.screen();
		for (let again = term.screen({escapes: true}); again !== coloured; again = term.screen({escapes: true})) {
			coloured = again;
			text = term.screen();
		}

		const lines = screenToHtmlLines(coloured);
		const trimmed = (line: string) => line.replace(/\s+$/, '');
		expect(lines.map(line => trimmed(shownText(line)))).toEqual(text.replace(/\n$/, '').split('\n').map(line => trimmed(line)));
		// The done marks are drawn in the colour their escape named, not in the page's default.
		const done = lines.find(line => shownText(line).startsWith('✓ Tools'));
		expect(done).toMatch(/^<div><span style="color:#[\da-f]{6}[^"]*">✓ Tools/);
		expect(lines.join('').match(/<span /g)?.length ?? 0).toBeGreaterThan(10);
	}, 60_000);
});
