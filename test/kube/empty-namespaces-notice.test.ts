// The empty-namespace notice goes to Notices.say (stderr through warnOnStderr, or the dashboard's Line), which escape
// it, once: a context's namespace (from the kubeconfig, unchecked) escaped here too showed `\\e` for an ESC.
import { describe, expect, it } from 'vitest';
import { emptyNamespacesNotice, type PodView } from '../../src/sources/kube/pod-views.js';
import { escapeControl } from '../../src/text/escape.js';

const emptyView = (namespace: string | null): PodView => ({ namespace, firstListEmpty: true }) as unknown as PodView;

describe('emptyNamespacesNotice', () => {
  it('names the namespace as the kubeconfig has it, for the one escape on its way to the terminal', () => {
    const notice = emptyNamespacesNotice([emptyView('sh\u001b[2Jop\\x'), emptyView(null)]);
    expect(notice).toBe('namespace sh\u001b[2Jop\\x has no pods: nothing is followed there until one is created (is the name right? kubectl get namespaces lists them)');
    expect(escapeControl(notice as string)).toContain('namespace sh\\e[2Jop\\\\x has no pods');
  });
});
