'use client';

import { Tabs } from 'radix-ui';
import { useActionState, useState } from 'react';
import { startRunAction } from '@/app/(app)/runs/new/actions';
import type { ActionResult } from '@/lib/action-result';
import type { RunTemplate } from '@/lib/run-templates';
import { Field, IdempotencyKeyField } from '@/components/ui/form-field';

const initial: ActionResult = { ok: false, message: null, fieldErrors: {} };
const pretty = (value: unknown) => JSON.stringify(value, null, 2);

export function StartRunForm({ templates }: { templates: RunTemplate[] }) {
  const [state, action, pending] = useActionState(startRunAction, initial);
  const [template, setTemplate] = useState(templates[0]!);
  const [mode, setMode] = useState<'form' | 'paste'>('form');
  const errors = state.fieldErrors;
  const tabClass =
    'rounded-md px-3 py-1.5 text-sm font-medium text-zinc-700 data-[state=active]:bg-white data-[state=active]:text-zinc-950 data-[state=active]:shadow-xs dark:text-zinc-300 dark:data-[state=active]:bg-zinc-800 dark:data-[state=active]:text-white';

  return (
    <Tabs.Root value={mode} onValueChange={(value) => setMode(value as 'form' | 'paste')}>
      <Tabs.List aria-label="How to describe the run" className="mb-4 inline-flex gap-1 rounded-lg bg-zinc-100 p-1 dark:bg-zinc-900">
        <Tabs.Trigger value="form" className={tabClass}>
          From a template
        </Tabs.Trigger>
        <Tabs.Trigger value="paste" className={tabClass}>
          Paste a spec
        </Tabs.Trigger>
      </Tabs.List>
      <form action={action} className="card space-y-4 p-4" aria-label="Start a run" noValidate>
        <input type="hidden" name="mode" value={mode} />
        <Tabs.Content value="form" className="space-y-4" forceMount hidden={mode !== 'form'}>
          <div>
            <label htmlFor="template" className="label">
              Template
            </label>
            <select
              id="template"
              className="input"
              value={template.id}
              onChange={(event) => setTemplate(templates.find((candidate) => candidate.id === event.target.value) ?? templates[0]!)}
            >
              {templates.map((candidate) => (
                <option key={candidate.id} value={candidate.id}>
                  {candidate.label}
                </option>
              ))}
            </select>
          </div>
          <div key={template.id} className="grid gap-4 md:grid-cols-2">
            <Field name="name" label="Name" errors={errors.name}>
              {(props) => <input {...props} name="name" defaultValue={template.name} className="input" />}
            </Field>
            <Field name="tags" label="Tags" hint="Comma-separated." errors={errors.tags}>
              {(props) => <input {...props} name="tags" defaultValue={template.tags.join(', ')} className="input" />}
            </Field>
            <IdempotencyKeyField errors={errors.idempotencyKey} />
            <Field name="userId" label="User id (optional)" hint="Needed for Composio tools: whose connected accounts to use." errors={errors.userId}>
              {(props) => <input {...props} name="userId" className="input" />}
            </Field>
            <Field name="input" label="Input (JSON)" hint="Steps read it as ${input.…}." errors={errors.input}>
              {(props) => (
                <textarea {...props} name="input" rows={8} spellCheck={false} defaultValue={pretty(template.input)} className="input font-mono text-xs" />
              )}
            </Field>
            <Field name="definition" label="Definition (JSON: plan or agent, and limits)" errors={errors.definition}>
              {(props) => (
                <textarea
                  {...props}
                  name="definition"
                  rows={14}
                  spellCheck={false}
                  defaultValue={pretty(template.definition)}
                  className="input font-mono text-xs"
                />
              )}
            </Field>
          </div>
        </Tabs.Content>
        <Tabs.Content value="paste" forceMount hidden={mode !== 'paste'}>
          <Field name="spec" label="Run spec (JSON)" hint="The body of POST /v1/runs, as docs/runs.md describes it." errors={errors.spec}>
            {(props) => (
              <textarea
                {...props}
                name="spec"
                rows={18}
                spellCheck={false}
                defaultValue={pretty({ name: template.name, tags: template.tags, input: template.input, ...template.definition })}
                className="input font-mono text-xs"
              />
            )}
          </Field>
        </Tabs.Content>
        {state.message && !state.ok && (
          <p role="alert" className="text-sm text-red-700 dark:text-red-400" data-testid="form-error">
            {state.message}
          </p>
        )}
        <div className="flex justify-end">
          <button type="submit" className="btn btn-primary" disabled={pending}>
            {pending ? 'Starting…' : 'Start run'}
          </button>
        </div>
      </form>
    </Tabs.Root>
  );
}
