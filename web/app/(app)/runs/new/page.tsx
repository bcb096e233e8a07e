import type { Metadata } from 'next';
import Link from 'next/link';
import { DefinitionStartForm } from '@/components/runs/definition-start-form';
import { StartRunForm } from '@/components/runs/start-run-form';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { Notice, PageHeader } from '@/components/ui/page-header';
import type { Definition } from '@/lib/api';
import { runTemplates } from '@/lib/run-templates';
import { requireRole } from '@/lib/session';

export const metadata: Metadata = { title: 'Start a run' };

export default async function NewRunPage({ searchParams }: { searchParams: Promise<{ definition?: string | string[] }> }) {
  const session = await requireRole('operator');
  const requested = (await searchParams).definition;
  const name = typeof requested === 'string' ? requested : undefined;
  let definitions: Definition[];
  try {
    definitions = await session.client.listDefinitions();
  } catch (error) {
    return (
      <>
        <PageHeader title="Start a run" />
        <ApiErrorNotice error={error} what="the definitions" />
      </>
    );
  }
  const picker = definitions.length > 0 && (
    <nav aria-label="Definitions" className="mb-4 flex flex-wrap items-center gap-2 text-sm">
      <span className="muted">Start a definition:</span>
      {definitions.map((definition) => (
        <Link
          key={definition.name}
          href={`/runs/new?definition=${encodeURIComponent(definition.name)}`}
          aria-current={definition.name === name ? 'page' : undefined}
          className="link font-mono aria-[current=page]:font-semibold"
        >
          {definition.name}
        </Link>
      ))}
      {name && (
        <Link href="/runs/new" className="link">
          or a plan or agent
        </Link>
      )}
    </nav>
  );
  if (name !== undefined) {
    const definition = definitions.find((candidate) => candidate.name === name);
    return (
      <>
        <PageHeader title={`Start ${name}`} description="Fill in the input the definition declares; it is checked as you submit, before anything starts." />
        {picker}
        {definition ? (
          <DefinitionStartForm definition={definition} />
        ) : (
          <Notice title={`No definition named "${name}"`}>
            <p>This installation knows: {definitions.map((candidate) => candidate.name).join(', ') || 'none'}.</p>
          </Notice>
        )}
      </>
    );
  }
  return (
    <>
      <PageHeader title="Start a run" description="Pick a template and adjust it, or paste a whole run spec. Problems are shown at the field they are about." />
      {picker}
      <StartRunForm templates={runTemplates} />
    </>
  );
}
