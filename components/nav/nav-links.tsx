"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** `badge`: rendered inside the link after the label (e.g. the firing alerts count) */
export type NavItem = { href: string; label: string; badge?: React.ReactNode };

export function NavLinks({ items }: { items: NavItem[] }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Organization">
      <ul className="flex flex-wrap gap-1 text-sm">
        {items.map((item) => {
          const active = pathname === item.href || pathname.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <Link
                href={item.href}
                // sections are built one by one; a prefetch of one that is not there yet is a 404 in the console
                prefetch={false}
                aria-current={active ? "page" : undefined}
                className="rounded-md px-2.5 py-1 text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-100 aria-[current=page]:font-semibold aria-[current=page]:text-zinc-900 dark:text-zinc-300 dark:hover:bg-zinc-900 dark:aria-[current=page]:bg-zinc-900 dark:aria-[current=page]:text-zinc-100"
              >
                {item.label}
                {item.badge}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
