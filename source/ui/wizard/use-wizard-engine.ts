import {useEffect} from 'react';
import type {WizardEngine} from './engine.js';
import type {WizardEvent, WizardState} from './state.js';

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/**
 * The wizard's side effects: whenever the state asks for work (a topology without its preview, files to
 * decide, a confirmed write), run it in the engine and send the result back as an event. Results carry the
 * revision or token they were made for, so the reducer drops answers to a question no longer asked.
 */
export function useWizardEngine(state: WizardState, dispatch: (event: WizardEvent) => void, engine: WizardEngine): void {
	useEffect(() => {
		let live = true;
		engine.probeTools().then(
			tools => live && dispatch({type: 'tools', tools}),
			() => live && dispatch({type: 'tools', tools: []}),
		);
		return () => {
			live = false;
		};
	}, [engine, dispatch]);

	const needsPreview = Boolean(state.topology) && !state.preview && !state.previewError;
	const {topology, revision} = state;
	useEffect(() => {
		if (!needsPreview || !topology) return;
		engine.preview(topology, (done, total) => dispatch({type: 'keys-progress', revision, done, total})).then(
			preview => dispatch({type: 'preview-done', revision, preview}),
			error => dispatch({type: 'preview-failed', revision, error: message(error)}),
		);
	}, [needsPreview, topology, revision, engine, dispatch]);

	const {write, preview, encryption} = state;
	const token = write.phase === 'preparing' ? write.token : undefined;
	useEffect(() => {
		if (token === undefined || !preview) return;
		engine.prepare(preview, {encryptionProvider: encryption}).then(
			prepared => dispatch({type: 'prepared', token, prepared}),
			error => dispatch({type: 'prepare-failed', token, error: message(error)}),
		);
	}, [token, preview, encryption, engine, dispatch]);

	const {saving} = state;
	useEffect(() => {
		if (!saving) return;
		engine.saveFile(saving.relative, saving.content, saving.mode).then(
			file => dispatch({type: 'saved', token: saving.token, path: file}),
			error => dispatch({type: 'save-failed', token: saving.token, error: message(error)}),
		);
	}, [saving, engine, dispatch]);

	const writing = write.phase === 'writing' ? write.prepared : undefined;
	useEffect(() => {
		if (!writing) return;
		engine.write(writing).then(
			paths => dispatch({type: 'written', paths}),
			error => dispatch({type: 'write-failed', error: message(error)}),
		);
	}, [writing, engine, dispatch]);
}
