import {defaultTheme, extendTheme, ThemeProvider} from '@inkjs/ui';
import {render} from 'ink';
import React from 'react';
import type {Inspection} from '../../core/inspect.js';
import {printable} from '../../core/printable.js';
import {ErrorBoundary, failureLine} from '../ErrorBoundary.js';
import {makeTheme, ThemeContext} from '../theme.js';
import {PathViewer} from './index.js';

// @inkjs/ui colours its spinner itself: under NO_COLOR its frame goes plain too.
const plainUiTheme = extendTheme(defaultTheme, {components: {Spinner: {styles: {frame: () => ({})}}}});

/** Exit code when the viewer itself fails (a bug in kubepki): one line on stderr, the terminal restored. */
export const viewerFailedCode = 70;

/** Mount the viewer on the terminal for `kubepki inspect`; resolves with the exit code when it is left. */
export async function openViewer(
	paths: readonly string[],
	env: NodeJS.ProcessEnv,
	stderr: NodeJS.WritableStream = process.stderr,
	load?: (paths: readonly string[]) => Promise<Inspection>,
	label?: string,
): Promise<number> {
	let code = 0;
	let failure: string | undefined;
	// NO_COLOR (no-color.org): any non-empty value turns colour off; marks and words still carry the meaning.
	const color = !env.NO_COLOR;
	const viewer = (
		<ErrorBoundary
			onError={error => {
				failure = failureLine(error);
				// Unmounting gives the terminal back (raw mode off, cursor shown) before the line is printed.
				setImmediate(() => instance.unmount());
			}}
		>
			<ThemeContext.Provider value={makeTheme(color)}>
				<PathViewer
					paths={paths}
					onExit={() => instance.unmount()}
					load={load}
					label={label}
					onResult={hasErrors => {
						code = hasErrors ? 1 : 0;
					}}
					onFailure={() => {
						// Nothing could be read (an endpoint refused, timed out): bad input, as the headless report says.
						code = 2;
					}}
				/>
			</ThemeContext.Provider>
		</ErrorBoundary>
	);
	const instance = render(color ? viewer : <ThemeProvider theme={plainUiTheme}>{viewer}</ThemeProvider>, {exitOnCtrlC: true});
	await instance.waitUntilExit();
	if (failure !== undefined) {
		stderr.write(`kubepki inspect: the viewer failed: ${printable(failure)}\n`);
		return viewerFailedCode;
	}

	return code;
}
