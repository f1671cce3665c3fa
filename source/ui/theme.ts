import {createContext, useContext} from 'react';

/** Meanings, not colours: every tone also has a mark or a word, so nothing depends on colour alone. */
export type Tone = 'ok' | 'warn' | 'error' | 'muted' | 'accent' | 'title' | 'plain';

export type Theme = {
	/** The colour of a tone, or undefined when colour is off (NO_COLOR) or the tone has none. */
	readonly color: (tone: Tone) => string | undefined;
	readonly dim: (tone: Tone) => boolean;
};

const palette: Record<Tone, string | undefined> = {
	ok: 'green',
	warn: 'yellow',
	error: 'red',
	muted: 'gray',
	accent: 'cyan',
	title: 'magenta',
	plain: undefined,
};

/** The theme; `color: false` (NO_COLOR) keeps the layout and the marks and drops every colour. */
export function makeTheme(color: boolean): Theme {
	return {
		color: tone => (color ? palette[tone] : undefined),
		// Without colour, muted text is still set apart by dimming (an attribute, not a colour).
		dim: tone => tone === 'muted' && !color,
	};
}

export const ThemeContext = createContext<Theme>(makeTheme(true));

export function useTheme(): Theme {
	return useContext(ThemeContext);
}

/** The marks that carry meaning where colour cannot. */
export const marks = {done: '✓', current: '▸', todo: '·', error: '✗', warn: '!', focus: '›', info: '·'} as const;
