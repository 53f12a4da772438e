"use client";

// Keyboard conventions for every page: a skip link to the page's <main id="main">, and Escape
// closing the innermost open <details> menu (org switcher, workflow picker, column chooser),
// with focus back on its summary. Dialogs (<dialog>) close on Escape by themselves.
import { useEffect } from "react";

export function SkipLink() {
  return (
    <a
      href="#main"
      data-testid="skip-link"
      className="sr-only z-50 rounded-md bg-blue-700 px-3 py-2 text-sm font-medium text-white focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
    >
      Skip to content
    </a>
  );
}

export function EscapeClosesMenus() {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== "Escape" || e.defaultPrevented) return;
      if (document.querySelector("dialog[open]")) return;
      const open = [...document.querySelectorAll<HTMLDetailsElement>("details[open]")];
      const menu = open.find((d) => d.contains(document.activeElement)) ?? open[open.length - 1];
      if (!menu) return;
      menu.open = false;
      menu.querySelector<HTMLElement>("summary")?.focus();
    };
    // a click elsewhere closes an open menu too, as menus do
    const onClick = (e: MouseEvent) => {
      for (const d of document.querySelectorAll<HTMLDetailsElement>("details[open]")) if (!d.contains(e.target as Node)) d.open = false;
    };
    document.addEventListener("keydown", onKey);
    document.addEventListener("click", onClick);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("click", onClick);
    };
  }, []);
  return null;
}
