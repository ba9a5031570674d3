/** The output formats the report writers render; kept apart from the writers so the CLI can list them without loading any writer. */

/** Output formats of an audit. */
export type OutputFormat = 'table' | 'json' | 'ndjson' | 'junit' | 'sarif' | 'markdown';

/** All output formats, for validation and help. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'ndjson', 'junit', 'sarif', 'markdown'];
