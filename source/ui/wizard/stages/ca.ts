import {cfsslConfigCommands} from '../../../core/by-hand.js';
import {textLines} from '../../widgets/lines.js';
import type {StageDef} from './index.js';
import {cardLines, certCommands, continueItem, planOf} from './common.js';

export const caStage = {
	id: 'ca',
	title: 'Certificate authority',
	short: 'CA',
	items: () => [continueItem],
	body(state, width) {
		const reused = state.preview?.certs.some(c => c.spec.signer === 'self' && c.status === 'reused-ca');
		const note = !state.preview
			? []
			: reused
				? textLines('! The output folder already has a CA: it signs everything below and is not replaced.', width, 'warn')
				: textLines('A new CA, made in memory: nothing is written before Review & write.', width, 'muted');
		return [...note, ...cardLines(state, width, cert => cert.spec.signer === 'self')];
	},
	commands(state) {
		// cfssl signs every later certificate with the profiles of ca-config.json: it is written with the CA.
		const plan = planOf(state);
		const profiles = state.showCommand === 'cfssl' && plan ? [...cfsslConfigCommands(plan), ''] : [];
		return [...profiles, ...certCommands(state, spec => spec.signer === 'self')];
	},
} as const satisfies StageDef;
