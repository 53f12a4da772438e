import type { Metadata } from "next";
import { connection } from "next/server";
import { TRPCReactProvider } from "@/components/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Runwatch",
  description: "Monitoring dashboard for workflow executions",
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // every page renders per request, so each gets the script nonce of its own
  // Content-Security-Policy (proxy.ts); a prerendered page would carry none and its scripts
  // would be refused
  await connection();
  return (
    <html lang="en">
      <body className="min-h-screen">
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
