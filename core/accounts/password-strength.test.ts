import { describe, expect, it } from "vitest";
import { accountWords, judgePassword, MIN_PASSWORD_LENGTH } from "./password-strength";

describe("judgePassword", () => {
  // The passwords issue 19 registered before the policy, plus list entries and account words.
  it.each(["aaaaaaaaaa", "password12", "1234567890", "          ", "qwertyuiop", "iloveyou1234", "password123456"])(
    "refuses %j with a reason",
    async (pw) => {
      const v = await judgePassword(pw);
      expect(v.ok).toBe(false);
      expect(v.warning).toBeTruthy();
    },
  );

  it("refuses a password built from the account's own email and the product name", async () => {
    const email = "margaret.hamilton@example.com";
    expect((await judgePassword("hamilton2026", accountWords(email))).ok).toBe(false);
    expect((await judgePassword("edgetrader2026", accountWords(email))).ok).toBe(false);
  });

  it("refuses anything under the minimum length, however random", async () => {
    const v = await judgePassword("x7#Qp!2".padEnd(MIN_PASSWORD_LENGTH - 1, "z"));
    expect(v.ok).toBe(false);
    expect(v.warning).toContain(String(MIN_PASSWORD_LENGTH));
  });

  it.each(["correct horse battery staple", "kx8#Lm2!pq9z", "demo-password-2026", "long enough password"])(
    "accepts %j",
    async (pw) => {
      expect((await judgePassword(pw)).ok).toBe(true);
    },
  );
});
