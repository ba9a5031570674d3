/**
 * Flag values, file names and kubeconfig names are hostile: an error that quotes one escapes it once, where it is
 * written, so that a name holding a literal `\n` (shown `\\n`) is told apart from one holding a newline (`\n`), and no
 * control character reaches the terminal raw. main.ts's last guard only makes controls visible, so a value it alone
 * saw would look the same both ways.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempFolders } from '../helpers/temp-folders.js';

const tempDir = tempFolders();

/** A name with a literal backslash-n, the same with a newline, and one with an ESC. */
const LITERAL = 'a\\nb';
const NEWLINE = 'a\nb';
const ESCAPE = 'a\u001b[2Jb';

/** What stderr holds once its final newline is taken off: one line, with no control character in it. */
function oneSafeLine(stderr: string): string {
  const text = stderr.replace(/\n$/, '');
  expect(text).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  return text;
}

describe('a --pods file that is not JSON names its file escaped once', () => {
  it.each([
    [LITERAL, '--pods a\\\\nb.json:1: not valid JSON'],
    [NEWLINE, '--pods a\\nb.json:1: not valid JSON'],
    [ESCAPE, '--pods a\\e[2Jb.json:1: not valid JSON'],
  ])('%j', async (name, shown) => {
    const cwd = tempDir('ea-quoted-pods-');
    writeFileSync(join(cwd, `${name}.json`), '{bad\n');
    writeFileSync(join(cwd, 'sidecar.log'), '');
    const res = await runCli(['audit', 'sidecar.log', '--pods', `${name}.json`, '-o', 'json'], { cwd });
    expect(res.code).toBe(3);
    expect(oneSafeLine(res.stderr)).toContain(`egress-audit: ${shown}`);
  });
});

describe('kubeconfig names are escaped once', () => {
  const kubeconfig = (dir: string): string => {
    const path = join(dir, 'kc.yaml');
    writeFileSync(path, [
      'apiVersion: v1', 'kind: Config',
      'clusters:', '- name: c', '  cluster: {server: "https://127.0.0.1:1"}',
      'users:', '- name: u', '  user: {token: x}',
      'contexts:', '- name: "pro\\\\nd"', '  context: {cluster: c, user: u}', '- name: "pro\\nd"', '  context: {cluster: c, user: u}',
      '',
    ].join('\n'));
    return path;
  };

  it('a context not in the file: the one asked for (an ESC) and the two it holds (a literal \\n, a newline) are each shown as they are', async () => {
    const cwd = tempDir('ea-quoted-kc-');
    kubeconfig(cwd);
    const res = await runCli(['watch', '--kubeconfig', 'kc.yaml', '--context', 'no\u001bpe', '-o', 'json'], { cwd });
    expect(res.code).toBe(3);
    expect(oneSafeLine(res.stderr)).toBe('egress-audit: context "no\\epe" is not in --kubeconfig kc.yaml (contexts: pro\\\\nd, pro\\nd)');
  });

  it.each([
    [LITERAL, 'kubeconfig a\\\\nb.yaml: no such file'],
    [NEWLINE, 'kubeconfig a\\nb.yaml: no such file'],
  ])('a --kubeconfig file that does not exist, named %j', async (name, shown) => {
    const res = await runCli(['watch', '--kubeconfig', `${name}.yaml`, '-o', 'json'], { cwd: tempDir('ea-quoted-kc-') });
    expect(res.code).toBe(3);
    expect(oneSafeLine(res.stderr)).toBe(`egress-audit: ${shown}`);
  });
});

describe('flag values are escaped once', () => {
  it.each([
    [LITERAL, '-l/--selector: "a\\\\nb" is not a valid label key'],
    [NEWLINE, '-l/--selector: "a\\nb" is not a valid label key'],
  ])('a label selector %j', async (value, shown) => {
    const res = await runCli(['watch', '-l', value, '-o', 'json'], { cwd: tempDir('ea-quoted-l-') });
    expect(res.code).toBe(2);
    expect(oneSafeLine(res.stderr)).toBe(`egress-audit: ${shown}`);
  });

  it.each([
    [LITERAL, '--report sarif=a\\\\nb.json: the same file as --report json=a\\\\nb.json'],
    [NEWLINE, '--report sarif=a\\nb.json: the same file as --report json=a\\nb.json'],
  ])('two reports to one file named %j', async (name, shown) => {
    const cwd = tempDir('ea-quoted-report-');
    writeFileSync(join(cwd, 'sidecar.log'), '');
    const res = await runCli(['audit', 'sidecar.log', '--report', `json=${name}.json`, '--report', `sarif=${name}.json`], { cwd });
    expect(res.code).toBe(2);
    expect(oneSafeLine(res.stderr)).toContain(`egress-audit: ${shown};`);
  });

  it.each([
    [LITERAL, '--ingress-pod: "a\\\\nb" is not a pod name glob'],
    [NEWLINE, '--ingress-pod: "a\\nb" is not a pod name glob'],
  ])('a pod glob %j', async (value, shown) => {
    const cwd = tempDir('ea-quoted-pod-');
    writeFileSync(join(cwd, 'sidecar.log'), '');
    const res = await runCli(['audit', 'sidecar.log', '--ingress-pod', value], { cwd });
    expect(res.code).toBe(2);
    expect(oneSafeLine(res.stderr)).toContain(`egress-audit: ${shown}`);
  });
});

describe('--format names its value and its file escaped once', () => {
  it.each([
    [LITERAL, '--format: "a\\\\nb" is not a format name'],
    [NEWLINE, '--format: "a\\nb" is not a format name'],
    [ESCAPE, '--format: "a\\e[2Jb" is not a format name'],
  ])('a value %j', async (value, shown) => {
    const res = await runCli(['audit', '-', '--format', value], { input: '' });
    expect(res.code).toBe(2);
    expect(oneSafeLine(res.stderr)).toContain(`egress-audit: ${shown}`);
  });

  it.each([
    [LITERAL, '--format @a\\\\nb.txt: the file holds no %OPERATOR% format string'],
    [NEWLINE, '--format @a\\nb.txt: the file holds no %OPERATOR% format string'],
    [ESCAPE, '--format @a\\e[2Jb.txt: the file holds no %OPERATOR% format string'],
  ])('a file %j', async (name, shown) => {
    const cwd = tempDir('ea-quoted-format-');
    writeFileSync(join(cwd, `${name}.txt`), 'no operators here\n');
    const res = await runCli(['audit', '-', '--format', `@${name}.txt`], { cwd, input: '' });
    expect(res.code).toBe(2);
    expect(oneSafeLine(res.stderr)).toContain(`egress-audit: ${shown}`);
  });
});
