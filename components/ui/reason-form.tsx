"use client";

// The form inside an action dialog: one text field (a reason or a note) kept in the audit log,
// the server's refusal shown in place, and Back / the action. The caller owns the mutation.
import { useState, type ReactNode } from "react";
import { Button } from "./button";
import { cn, focusRing } from "./cn";

export function ReasonForm({
  id,
  testId,
  label,
  required,
  maxLength,
  submitLabel,
  submitVariant,
  pending,
  error,
  onBack,
  onSubmit,
  children,
}: {
  id: string;
  testId: string;
  label: string;
  required: boolean;
  maxLength: number;
  submitLabel: string;
  submitVariant: "primary" | "danger";
  pending: boolean;
  error: string | null;
  onBack: () => void;
  onSubmit: (text: string) => void;
  /** shown above the field, e.g. what the action applies to */
  children?: ReactNode;
}) {
  const [text, setText] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit(text.trim());
      }}
    >
      {children}
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <textarea
        id={id}
        data-testid={testId}
        required={required}
        maxLength={maxLength}
        rows={3}
        value={text}
        onChange={(e) => setText(e.target.value)}
        className={cn("mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-950", focusRing)}
      />
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-800 dark:text-red-200">
          {error}
        </p>
      ) : null}
      <div className="mt-4 flex justify-end gap-2">
        <Button onClick={onBack}>Back</Button>
        <Button type="submit" variant={submitVariant} disabled={(required && !text.trim()) || pending}>
          {pending ? "Working…" : submitLabel}
        </Button>
      </div>
    </form>
  );
}
