import type { RunSummary } from '@/lib/api';
import { RunStatusBadge } from './run-status-badge';
import { Timestamp } from './timestamp';

export function RunsTable({ runs, now }: { runs: RunSummary[]; now: Date }) {
  return (
    <div className="table-scroll">
      <table className="runs-table">
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Status</th>
            <th scope="col">Mode</th>
            <th scope="col">Tags</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Links</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <tr key={run.id}>
              <td>
                <div className="run-name">{run.name ?? <code>{run.id}</code>}</div>
                {run.name !== null && <code className="muted small">{run.id}</code>}
                {run.currentStep !== null && <div className="muted small">step: {run.currentStep}</div>}
              </td>
              <td>
                <RunStatusBadge status={run.status} />
              </td>
              <td>{run.mode}</td>
              <td>
                {run.tags.length > 0 ? (
                  <ul className="tags">
                    {run.tags.map((tag) => (
                      <li key={tag} className="tag">
                        {tag}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <span className="muted">—</span>
                )}
              </td>
              <td className="nowrap">
                <Timestamp iso={run.createdAt} now={now} />
              </td>
              <td className="nowrap">
                <a href={run.temporalUrl} target="_blank" rel="noreferrer">
                  Temporal ↗
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
