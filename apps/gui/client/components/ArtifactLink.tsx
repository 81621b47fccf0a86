// Downloads an artifact: the API wants the token in a header, so the file is fetched and
// handed to the browser as a blob (a plain link could not carry the token).
import { useState } from "react";
import { apiBytes, describeError, formatBytes, runPath } from "../api.js";

export function ArtifactLink({
  runId,
  name,
  size,
}: {
  runId: string;
  name: string;
  size?: number;
}) {
  const [error, setError] = useState<string | null>(null);
  const download = async () => {
    try {
      const { bytes } = await apiBytes(runPath(runId, `/artifacts/${encodeURIComponent(name)}`));
      const url = URL.createObjectURL(new Blob([bytes as BlobPart]));
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setError(null);
    } catch (failure) {
      setError(describeError(failure));
    }
  };
  return (
    <span className="artifact">
      <button type="button" className="link" onClick={() => void download()} data-artifact={name}>
        ⤓ {name}
      </button>
      {size !== undefined ? <span className="dim"> {formatBytes(size)}</span> : null}
      {error ? <span className="error"> {error}</span> : null}
    </span>
  );
}
