import type { Metadata } from "next";
import { TRPCReactProvider } from "@/components/trpc/react";
import "./globals.css";

export const metadata: Metadata = {
  title: "Runwatch",
  description: "Monitoring dashboard for workflow executions",
  icons: { icon: { url: "/favicon.svg", type: "image/svg+xml" } },
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <TRPCReactProvider>{children}</TRPCReactProvider>
      </body>
    </html>
  );
}
