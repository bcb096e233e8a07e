/** The header row every table of the dashboard shares; an empty label is read out as `srLabel`. */
export function TableHead({ columns }: { columns: Array<string | { srLabel: string }> }) {
  return (
    <thead className="bg-zinc-50 text-left text-xs uppercase tracking-wide text-zinc-600 dark:bg-zinc-900 dark:text-zinc-400">
      <tr>
        {columns.map((column) =>
          typeof column === 'string' ? (
            <th key={column} scope="col" className="px-3 py-2 font-semibold">
              {column}
            </th>
          ) : (
            <th key={column.srLabel} scope="col" className="px-3 py-2">
              <span className="sr-only">{column.srLabel}</span>
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
