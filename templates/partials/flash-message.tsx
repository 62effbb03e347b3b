export function FlashMessage({ kind, message }: { kind: "error" | "success" | "info"; message: string }): JSX.Element {
  return (
    <div class={`alert alert-${kind}`} role={kind === "error" ? "alert" : "status"}>
      <span safe>{message}</span>
    </div>
  );
}
