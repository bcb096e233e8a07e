import type { Metadata } from 'next';
import Link from 'next/link';
import { ApiErrorNotice } from '@/components/ui/api-error-notice';
import { EmptyState, JsonBlock, PageHeader } from '@/components/ui/page-header';
import type { Definition } from '@/lib/api';
import { hasRole } from '../../../../lib/roles';
import { fieldsOf } from '@/lib/schema-form';
import { requireSession } from '@/lib/session';

export const dynamic = 'force-dynamic';
export const metadata: Metadata = { title: 'Definitions' };

/** The runs written in TypeScript (`defineRun`) this installation knows, with what each takes. */
export default async function DefinitionsPage() {
  const session = await requireSession();
  let definitions: Definition[];
  try {
    definitions = await session.client.listDefinitions();
  } catch (error) {
    return (
      <>
        <PageHeader title="Definitions" />
        <ApiErrorNotice error={error} what="the definitions" />
      </>
    );
  }
  const canStart = hasRole(session.principal.role, 'operator');
  return (
    <>
      <PageHeader title="Definitions" description="Runs written in TypeScript with defineRun, from definitions/ and FLIGHTDECK_DEFINITIONS_DIR." />
      {definitions.length === 0 ? (
        <EmptyState title="No definitions">
          <p>
            Add a file that default-exports <code>defineRun(…)</code> to <code>definitions/</code> (docs/runs.md) and restart the API and worker.
          </p>
        </EmptyState>
      ) : (
        <ul className="grid gap-4 md:grid-cols-2">
          {definitions.map((definition) => {
            const fields = fieldsOf(definition.inputSchema);
            return (
              <li key={definition.name} className="card p-4" data-definition={definition.name}>
                <div className="flex flex-wrap items-center justify-between gap-2">
                  <h2 className="font-mono text-sm font-semibold">{definition.name}</h2>
                  {canStart && (
                    <Link href={`/runs/new?definition=${encodeURIComponent(definition.name)}`} className="btn btn-primary">
                      Start
                    </Link>
                  )}
                </div>
                {definition.description && <p className="muted mt-1 text-sm">{definition.description}</p>}
                {fields && fields.length > 0 && (
                  <p className="muted mt-2 text-xs">
                    Input:{' '}
                    {fields.map((field, index) => (
                      <span key={field.key}>
                        {index > 0 && ', '}
                        <code>{field.key}</code>
                        {field.required ? '' : '?'}
                      </span>
                    ))}
                  </p>
                )}
                <details className="mt-2">
                  <summary className="cursor-pointer text-sm">Input schema</summary>
                  <div className="mt-1">
                    <JsonBlock value={definition.inputSchema} label={`Input schema of ${definition.name}`} />
                  </div>
                </details>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
