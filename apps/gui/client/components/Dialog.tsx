// A modal <dialog>: the browser traps focus in it and closes it on Escape.
import { type ReactNode, useEffect, useRef } from "react";

export function Dialog({
  open,
  title,
  onClose,
  children,
  className,
}: {
  open: boolean;
  title: string;
  onClose(): void;
  children: ReactNode;
  className?: string;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog ref={ref} className={className} aria-label={title} onClose={onClose} onCancel={onClose}>
      {open ? (
        <>
          <h2 className="dialog-title">{title}</h2>
          {children}
        </>
      ) : null}
    </dialog>
  );
}
