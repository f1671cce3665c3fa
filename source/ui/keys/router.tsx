import React, {createContext, useContext, useEffect, useRef, type ReactNode} from 'react';
import {useInput, useStdin} from 'ink';
import {keyFromInk, splitBurst, type Key} from './keys.js';

/** A key handler returns true when it used the key; lower priorities then never see it. */
export type KeyHandler = (key: Key) => boolean;

/** Who hears a key first: an overlay, then a field being edited, then the stage, then global keys. */
export const priority = {critical: 300, high: 200, normal: 100, low: 0} as const;

type Entry = {readonly handler: {current: KeyHandler}; readonly priority: number; readonly order: number};
type Registry = {register(entry: Omit<Entry, 'order'>): () => void};

const RouterContext = createContext<Registry | undefined>(undefined);

/**
 * The one `useInput` of the app. Ink gives every key to every active `useInput`; routing them here by
 * priority, with consumption, is what keeps enter from confirming a field and a stage at once.
 */
export function KeyRouter({children}: {readonly children: ReactNode}) {
	const entries = useRef<Entry[]>([]);
	const counter = useRef(0);
	const registry = useRef<Registry>({
		register(entry) {
			const full = {...entry, order: counter.current++};
			entries.current = [...entries.current, full];
			return () => {
				entries.current = entries.current.filter(e => e !== full);
			};
		},
	});

	// The bytes of the event Ink is about to report: its (input, key) pair cannot tell one Esc from two that
	// arrived together. Subscribed before useInput below (effects run in order; useInput re-subscribes on
	// every render, so it stays behind), and taken once: a missed event reads as undefined, never stale.
	const raw = useRef<string | undefined>(undefined);
	const {internal_eventEmitter: events} = useStdin();
	useEffect(() => {
		const record = (data: string) => {
			raw.current = data;
		};

		events.on('input', record);
		return () => {
			events.removeListener('input', record);
		};
	}, [events]);

	useInput((input, inkKey) => {
		const bytes = raw.current;
		raw.current = undefined;
		for (const key of splitBurst(keyFromInk(input, inkKey), bytes)) {
			// Higher priority first; among equals, the one registered last (the innermost screen) first.
			const ordered = [...entries.current].sort((a, b) => b.priority - a.priority || b.order - a.order);
			for (const entry of ordered) {
				if (entry.handler.current(key)) break;
			}
		}
	});

	return <RouterContext.Provider value={registry.current}>{children}</RouterContext.Provider>;
}

/** Whether a KeyRouter is above: a screen that stands alone (the viewer) brings its own when none is. */
export function useHasKeyRouter(): boolean {
	return useContext(RouterContext) !== undefined;
}

/** Subscribe to keys through the router while `isActive`. */
export function useKeyHandler(handler: KeyHandler, options: {readonly priority: number; readonly isActive?: boolean}): void {
	const registry = useContext(RouterContext);
	if (!registry) throw new Error('bug: useKeyHandler outside <KeyRouter>');
	const ref = useRef(handler);
	ref.current = handler;
	const isActive = options.isActive ?? true;
	useEffect(() => {
		if (!isActive) return undefined;
		return registry.register({handler: ref, priority: options.priority});
	}, [registry, isActive, options.priority]);
}
