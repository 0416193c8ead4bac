// The card form of a company's balance payment (templates/payments/company/pay.html).
// Stripe.js (or the local emulator's stand-in) is loaded before this file; the
// server put the publishable key, the PaymentIntent's client secret and the page to
// go to afterwards on the form. The balance is credited by Stripe's webhook, never
// by this page: on success it only moves on to the page that shows the payment's state.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form[data-client-secret]");
  if (!form) return;
  const errors = form.querySelector("[data-card-errors]");
  const button = form.querySelector("[data-pay-button]");
  const showError = (message) => {
    errors.textContent = message || form.dataset.genericError;
  };

  if (typeof window.Stripe !== "function") {
    showError(form.dataset.unavailable);
    button.disabled = true;
    return;
  }

  const stripe = window.Stripe(form.dataset.stripeKey);
  const card = stripe.elements().create("card");
  card.mount(form.querySelector("[data-card-element]"));
  if (typeof card.on === "function") {
    card.on("change", (event) => {
      errors.textContent = event.error ? event.error.message : "";
    });
  }

  let busy = false;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    button.disabled = true;
    errors.textContent = "";
    try {
      const result = await stripe.confirmCardPayment(form.dataset.clientSecret, {
        payment_method: { card },
      });
      if (result.error) {
        showError(result.error.message);
      } else {
        // Stripe.js says the card went through; the page waits for the webhook.
        const next = new URL(form.dataset.returnUrl, window.location.href);
        next.searchParams.set("confirmed", "1");
        window.location.assign(next.toString());
        return;
      }
    } catch (error) {
      showError();
    }
    busy = false;
    button.disabled = false;
  });
});
