/**
 * Selects React's production build before anything loads react. With NODE_ENV unset React runs its
 * development build, which costs several times the CPU per render and records a performance measure
 * per render that Node never drops (vadimdemedes/ink#869, facebook/react#35761): a dashboard left
 * running would grow without bound. index.ts imports this module first; an explicit NODE_ENV wins.
 */
process.env['NODE_ENV'] ??= 'production';

/** The React build the dashboard runs with (`production` unless NODE_ENV said otherwise). */
export const REACT_BUILD = process.env['NODE_ENV'];
