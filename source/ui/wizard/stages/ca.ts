import {cfsslConfigCommands} from '../../../core/by-hand.js';
import {textLines} from '../../widgets/lines.js';
import type {StageDef} from '../stage-def.js';
import {cardLines, certCommands, continueItem, idsWhere, needsCertificates, planOf} from './common.js';

const produces = idsWhere(spec => spec.signer === 'self');

export const caStage = {
	id: 'ca',
	title: 'Certificate authority',
	short: 'CA',
	produces,
	items: () => [continueItem],
	body(state, width) {
		const reused = state.preview?.certs.some(c => c.spec.signer === 'self' && c.status === 'reused-ca');
		const note = !state.preview
			? []
			: reused
				? textLines('! The output folder already has a CA: it signs everything below and is not replaced.', width, 'warn')
				: textLines('A new CA, made in memory: nothing is written before Review & write.', width, 'muted');
		return [...note, ...cardLines(state, width, produces)];
	},
	commands(state) {
		// cfssl signs every later certificate with the profiles of ca-config.json: it is written with the CA.
		const plan = planOf(state);
		const profiles = state.showCommand === 'cfssl' && plan ? [...cfsslConfigCommands(plan), ''] : [];
		return [...profiles, ...certCommands(state, produces)];
	},
	blocked: needsCertificates,
} as const satisfies StageDef;
