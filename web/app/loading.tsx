export default function Loading() {
  return (
    <>
      <div className="page-heading">
        <h1>Runs</h1>
      </div>
      <p className="muted" role="status">
        Loading runs…
      </p>
    </>
  );
}
