// A throw while the wizard draws (a bug in kubepki) ends in one line for the caller to print, never Ink's
// full-screen error overview with a stack trace. The wizard is the real one; the engine hands it a broken preview.
import {randomBytes} from 'node:crypto';
import {tmpdir} from 'node:os';
import path from 'node:path';
import React from 'react';
import {afterEach, describe, expect, test} from 'vitest';
import {createPreviewSession, type Preview} from '../../source/core/preview.js';
import {exampleTopology} from '../../source/core/topology.js';
import {WizardRoot} from '../../source/ui/wizard/mount.js';
import {testEngine} from './engine.js';
import {cleanup, renderAt} from './ink.js';

afterEach(cleanup);

const outPath = path.join(tmpdir(), `kubepki-ui-absent-${randomBytes(6).toString('hex')}`);

describe('the wizard inside an error boundary', () => {
	test('a broken preview: one line to the caller, nothing of a stack on the screen', async () => {
		const session = createPreviewSession({outDir: outPath, source: 'test'});
		const engine = {...testEngine(session), preview: async () => ({certificates: 'not a list'}) as unknown as Preview};
		const failures: string[] = [];
		const r = renderAt(
			<WizardRoot topology={{...exampleTopology(), algorithm: 'ecdsa-p256'}} engine={engine} outDir="pki" outPath={outPath} stage="kubelets" onExit={() => {}} onFailure={line => failures.push(line)} />,
			{columns: 100, rows: 30},
		);
		// No bound but the test's timeout: the failure comes once the preview has been asked for and refused.
		while (failures.length === 0) await new Promise(resolve => setTimeout(resolve, 10));
		expect(failures).toHaveLength(1);
		expect(failures[0]).not.toContain('\n');
		expect(failures[0]!.length).toBeGreaterThan(0);
		const screen = r.stdout.frames.join('');
		expect(screen).not.toMatch(/\bat .+:\d+:\d+\)?/);
		expect(screen).not.toContain('ERROR');
	});
});
