import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { currentSession, safeNextPath } from "@/server/auth/next";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in · Runwatch" };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string | string[] }> }) {
  const raw = (await searchParams).next;
  const next = safeNextPath(Array.isArray(raw) ? raw[0] : raw);
  if (await currentSession()) redirect(next);

  return (
    <main className="mx-auto flex min-h-screen max-w-sm flex-col justify-center px-4 py-12">
      <h1 className="text-2xl font-semibold tracking-tight">Sign in to Runwatch</h1>
      <p className="mt-1 mb-6 text-sm text-zinc-600 dark:text-zinc-400">Use the email and password your administrator gave you.</p>
      <SignInForm next={next} />
    </main>
  );
}
