import type { Metadata } from 'next';
import { StartRunForm } from '@/components/runs/start-run-form';
import { PageHeader } from '@/components/ui/page-header';
import { runTemplates } from '@/lib/run-templates';
import { requireRole } from '@/lib/session';

export const metadata: Metadata = { title: 'Start a run' };

export default async function NewRunPage() {
  await requireRole('operator');
  return (
    <>
      <PageHeader title="Start a run" description="Pick a template and adjust it, or paste a whole run spec. Problems are shown at the field they are about." />
      <StartRunForm templates={runTemplates} />
    </>
  );
}
