import {defaultTheme, extendTheme, ThemeProvider} from '@inkjs/ui';
import {render} from 'ink';
import React from 'react';
import {makeTheme, ThemeContext} from '../theme.js';
import {PathViewer} from './index.js';

// @inkjs/ui colours its spinner itself: under NO_COLOR its frame goes plain too.
const plainUiTheme = extendTheme(defaultTheme, {components: {Spinner: {styles: {frame: () => ({})}}}});

/** Mount the viewer on the terminal for `kubepki inspect`; resolves with the exit code when it is left. */
export async function openViewer(paths: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
	let code = 0;
	// NO_COLOR (no-color.org): any non-empty value turns colour off; marks and words still carry the meaning.
	const color = !env.NO_COLOR;
	const viewer = (
		<ThemeContext.Provider value={makeTheme(color)}>
			<PathViewer
				paths={paths}
				onExit={() => instance.unmount()}
				onResult={hasErrors => {
					code = hasErrors ? 1 : 0;
				}}
			/>
		</ThemeContext.Provider>
	);
	const instance = render(color ? viewer : <ThemeProvider theme={plainUiTheme}>{viewer}</ThemeProvider>, {exitOnCtrlC: true});
	await instance.waitUntilExit();
	return code;
}
