/*
 * Stripe.js stand-in served by the Nebendesk Stripe emulator at /v3.
 *
 * It implements the part of Stripe.js the app uses, with the same names and
 * result shapes: Stripe(publishableKey, {locale}), stripe.elements(),
 * elements.create('card'), element.mount(selectorOrElement), element.on(),
 * stripe.createPaymentMethod(), stripe.confirmCardPayment() and
 * stripe.retrievePaymentIntent(). Card fields are plain labelled inputs (no
 * iframe); 3-D Secure opens the emulator's challenge page in a modal frame, as
 * Stripe.js does, and resolves once the user has decided.
 * Plain ES2017, no dependencies.
 */
(function () {
  'use strict';

  var API_BASE = __STRIPE_EMULATOR_API_BASE__;
  var POLL_MS = 400;
  var counter = 0;

  var TEXT = {
    en: {
      number: 'Card number', expiry: 'Expiry date (MM / YY)', cvc: 'Security code (CVC)',
      incomplete_number: 'Your card number is incomplete.',
      invalid_number: 'Your card number is invalid.',
      incomplete_expiry: "Your card's expiration date is incomplete.",
      invalid_expiry_year_past: "Your card's expiration year is in the past.",
      incomplete_cvc: "Your card's security code is incomplete.",
      dialog: 'Confirm the payment with your bank'
    },
    de: {
      number: 'Kartennummer', expiry: 'Ablaufdatum (MM / JJ)', cvc: 'Prüfziffer (CVC)',
      incomplete_number: 'Ihre Kartennummer ist unvollständig.',
      invalid_number: 'Ihre Kartennummer ist ungültig.',
      incomplete_expiry: 'Das Ablaufdatum Ihrer Karte ist unvollständig.',
      invalid_expiry_year_past: 'Das Ablaufjahr Ihrer Karte liegt in der Vergangenheit.',
      incomplete_cvc: 'Der Sicherheitscode Ihrer Karte ist unvollständig.',
      dialog: 'Bestätigen Sie die Zahlung bei Ihrer Bank',
      card_declined: 'Ihre Karte wurde abgelehnt.',
      insufficient_funds: 'Ihre Karte ist nicht ausreichend gedeckt.',
      expired_card: 'Ihre Karte ist abgelaufen.',
      incorrect_cvc: 'Der Sicherheitscode Ihrer Karte ist falsch.',
      incorrect_number: 'Ihre Kartennummer ist ungültig.',
      processing_error: 'Bei der Verarbeitung Ihrer Karte ist ein Fehler aufgetreten. ' +
        'Bitte versuchen Sie es später erneut.',
      payment_intent_authentication_failure: 'Wir konnten Ihre Zahlungsmethode nicht ' +
        'authentifizieren. Bitte wählen Sie eine andere Zahlungsmethode und versuchen Sie es erneut.'
    }
  };

  function pickLocale(locale) {
    var wanted = locale && locale !== 'auto' ? locale
      : (document.documentElement.lang || navigator.language || 'en');
    return String(wanted).slice(0, 2).toLowerCase() === 'de' ? 'de' : 'en';
  }

  // Stripe's bracket form encoding: {card: {number: 1}} -> card[number]=1
  function encode(params, prefix, out) {
    out = out || [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var name = prefix ? prefix + '[' + key + ']' : key;
      if (value === undefined || value === null) return;
      if (typeof value === 'object') encode(value, name, out);
      else out.push(encodeURIComponent(name) + '=' + encodeURIComponent(String(value)));
    });
    return out.join('&');
  }

  function intentIdFrom(clientSecret) {
    var match = /^(pi_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/.exec(String(clientSecret || ''));
    return match ? match[1] : null;
  }

  function luhn(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var digit = Number(number[number.length - 1 - i]);
      if (i % 2) digit = digit * 2 > 9 ? digit * 2 - 9 : digit * 2;
      sum += digit;
    }
    return sum % 10 === 0;
  }

  function brandOf(number) {
    if (/^4/.test(number)) return 'visa';
    if (/^3[47]/.test(number)) return 'amex';
    if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
    return 'unknown';
  }

  /* ---- the card element ---- */

  function CardElement(stripe, options) {
    this._stripe = stripe;
    this._options = options || {};
    this._handlers = {};
    this._inputs = null;
    this._host = null;
    this._id = 'stripe-emulator-card-' + (++counter);
  }

  CardElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };
  CardElement.prototype.off = function (event, handler) {
    this._handlers[event] = (this._handlers[event] || []).filter(function (h) {
      return h !== handler;
    });
    return this;
  };
  CardElement.prototype._fire = function (event, payload) {
    (this._handlers[event] || []).forEach(function (handler) { handler(payload); });
  };

  CardElement.prototype.mount = function (target) {
    var host = typeof target === 'string' ? document.querySelector(target) : target;
    if (!host) throw new Error('IntegrationError: the element to mount the card into was not found.');
    var text = TEXT[this._stripe._locale];
    var self = this;
    host.classList.add('StripeElement', 'StripeElement--empty');
    host.innerHTML = '';
    var fields = [
      ['number', text.number, 'cc-number', '1234 1234 1234 1234', 'numeric'],
      ['expiry', text.expiry, 'cc-exp', 'MM / YY', 'numeric'],
      ['cvc', text.cvc, 'cc-csc', 'CVC', 'numeric']
    ];
    this._inputs = {};
    fields.forEach(function (field) {
      var wrapper = document.createElement('div');
      wrapper.className = 'StripeEmulator-field';
      var label = document.createElement('label');
      var input = document.createElement('input');
      input.id = self._id + '-' + field[0];
      input.name = field[0];
      input.autocomplete = field[2];
      input.placeholder = field[3];
      input.inputMode = field[4];
      input.type = 'text';
      input.spellcheck = false;
      label.htmlFor = input.id;
      label.textContent = field[1];
      input.addEventListener('input', function () { self._changed(); });
      input.addEventListener('focus', function () {
        host.classList.add('StripeElement--focus'); self._fire('focus', { elementType: 'card' });
      });
      input.addEventListener('blur', function () {
        host.classList.remove('StripeElement--focus'); self._fire('blur', { elementType: 'card' });
      });
      wrapper.appendChild(label);
      wrapper.appendChild(input);
      host.appendChild(wrapper);
      self._inputs[field[0]] = input;
    });
    this._host = host;
    setTimeout(function () { self._fire('ready', { elementType: 'card' }); }, 0);
  };

  CardElement.prototype._read = function () {
    var number = this._inputs.number.value.replace(/[\s-]/g, '');
    var expiry = this._inputs.expiry.value.replace(/\s/g, '');
    var match = /^(\d{1,2})\/?(\d{2}|\d{4})$/.exec(expiry);
    var cvc = this._inputs.cvc.value.trim();
    var month = match ? Number(match[1]) : null;
    var year = match ? Number(match[2].length === 2 ? '20' + match[2] : match[2]) : null;
    var code = null;
    if (!number || number.length < 12) code = 'incomplete_number';
    else if (!/^\d+$/.test(number) || !luhn(number)) code = 'invalid_number';
    else if (!match || month < 1 || month > 12) code = 'incomplete_expiry';
    else if (year < new Date().getFullYear()) code = 'invalid_expiry_year_past';
    else if (!/^\d{3,4}$/.test(cvc)) code = 'incomplete_cvc';
    return {
      card: { number: number, exp_month: month, exp_year: year, cvc: cvc },
      brand: brandOf(number),
      empty: !number && !expiry && !cvc,
      error: code ? { type: 'validation_error', code: code, message: TEXT[this._stripe._locale][code] } : null
    };
  };

  CardElement.prototype._changed = function () {
    var state = this._read();
    this._host.classList.toggle('StripeElement--empty', state.empty);
    this._host.classList.toggle('StripeElement--complete', !state.error);
    this._fire('change', {
      elementType: 'card', empty: state.empty, complete: !state.error, brand: state.brand,
      error: state.error && !state.empty && state.error.code.indexOf('incomplete') !== 0
        ? state.error : undefined,
      value: { postalCode: '' }
    });
  };

  CardElement.prototype.clear = function () {
    var inputs = this._inputs || {};
    Object.keys(inputs).forEach(function (key) { inputs[key].value = ''; });
  };
  CardElement.prototype.focus = function () { if (this._inputs) this._inputs.number.focus(); };
  CardElement.prototype.blur = function () {
    if (document.activeElement && this._host && this._host.contains(document.activeElement)) {
      document.activeElement.blur();
    }
  };
  CardElement.prototype.update = function () {};
  CardElement.prototype.unmount = function () {
    if (this._host) this._host.innerHTML = '';
    this._inputs = null;
  };
  CardElement.prototype.destroy = CardElement.prototype.unmount;

  function Elements(stripe) {
    this._stripe = stripe;
    this._elements = {};
  }
  Elements.prototype.create = function (type, options) {
    if (type !== 'card') throw new Error('IntegrationError: the Stripe emulator supports only the "card" element.');
    this._elements[type] = new CardElement(this._stripe, options);
    return this._elements[type];
  };
  Elements.prototype.getElement = function (type) { return this._elements[type] || null; };

  /* ---- the Stripe object ---- */

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (/^sk_/.test(String(publishableKey))) {
      throw new Error('IntegrationError: You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
    }
    if (!/^pk_test_/.test(String(publishableKey))) {
      throw new Error('IntegrationError: Invalid API Key provided: ' + publishableKey);
    }
    this._key = publishableKey;
    this._locale = pickLocale(options && options.locale);
  }

  Stripe.prototype.elements = function (options) {
    if (options && options.locale) this._locale = pickLocale(options.locale);
    return new Elements(this);
  };

  Stripe.prototype._request = async function (method, path, params) {
    var query = params ? encode(params) : '';
    var url = API_BASE + path + (method === 'GET' && query ? '?' + query : '');
    var init = { method: method, headers: { Authorization: 'Bearer ' + this._key } };
    if (method === 'POST') {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = query;
    }
    try {
      var response = await fetch(url, init);
      var body = await response.json();
      return response.ok ? { body: body } : { error: this._localize(body.error || {}) };
    } catch (exc) {
      return { error: { type: 'api_connection_error', message: String(exc && exc.message || exc) } };
    }
  };

  // Stripe.js shows card errors in the page's language; the API speaks English.
  Stripe.prototype._localize = function (error) {
    var text = TEXT[this._locale];
    var key = error.decline_code === 'insufficient_funds' ? 'insufficient_funds' : error.code;
    if (this._locale !== 'en' && key && text[key]) error.message = text[key];
    return error;
  };

  Stripe.prototype.createPaymentMethod = async function (data) {
    var element = data && (data.card || data.element);
    if (!(element instanceof CardElement) || !element._inputs) {
      return { error: { type: 'validation_error', message: 'Mount a card element first.' } };
    }
    var state = element._read();
    if (state.error) return { error: state.error };
    var result = await this._request('POST', '/v1/payment_methods', {
      type: 'card', card: state.card, billing_details: data.billing_details
    });
    return result.error ? { error: result.error } : { paymentMethod: result.body };
  };

  Stripe.prototype.retrievePaymentIntent = async function (clientSecret) {
    var id = intentIdFrom(clientSecret);
    if (!id) return { error: { type: 'invalid_request_error', message: 'Invalid client secret.' } };
    var result = await this._request('GET', '/v1/payment_intents/' + id, { client_secret: clientSecret });
    return result.error ? { error: result.error } : { paymentIntent: result.body };
  };

  Stripe.prototype.confirmCardPayment = async function (clientSecret, data, options) {
    var id = intentIdFrom(clientSecret);
    if (!id) return { error: { type: 'invalid_request_error', message: 'Invalid client secret.' } };
    var params = { client_secret: clientSecret };
    var method = data && data.payment_method;
    if (typeof method === 'string') {
      params.payment_method = method;
    } else if (method && method.card) {
      var created = await this.createPaymentMethod(method);
      if (created.error) return { error: created.error };
      params.payment_method = created.paymentMethod.id;
    }
    if (data && data.return_url) params.return_url = data.return_url;
    var result = await this._request('POST', '/v1/payment_intents/' + id + '/confirm', params);
    if (result.error) return { error: result.error };
    var intent = result.body;
    var action = intent.next_action;
    if (intent.status === 'requires_action' && action && action.type === 'redirect_to_url' &&
        !(options && options.handleActions === false)) {
      intent = await this._challenge(action.redirect_to_url.url, clientSecret);
      if (intent.error) return intent;
    }
    if (intent.status === 'requires_payment_method' && intent.last_payment_error) {
      var error = Object.assign({}, intent.last_payment_error, { payment_intent: intent });
      return { error: this._localize(error) };
    }
    return { paymentIntent: intent };
  };

  // 3-D Secure: the emulator's challenge page in a modal frame; resolves with the
  // PaymentIntent once it has left requires_action.
  Stripe.prototype._challenge = function (url, clientSecret) {
    var self = this;
    var overlay = document.createElement('div');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-modal', 'true');
    overlay.setAttribute('aria-label', TEXT[this._locale].dialog);
    overlay.style.cssText = 'position:fixed;inset:0;z-index:2147483647;display:flex;' +
      'align-items:center;justify-content:center;background:rgba(0,0,0,.5)';
    var frame = document.createElement('iframe');
    frame.src = url;
    frame.title = TEXT[this._locale].dialog;
    frame.name = 'stripe-emulator-3ds';
    frame.style.cssText = 'width:min(520px,95vw);height:min(600px,90vh);border:0;' +
      'border-radius:8px;background:#fff';
    overlay.appendChild(frame);
    document.body.appendChild(overlay);
    return new Promise(function (resolve) {
      var timer = null;
      var done = false;
      async function check() {
        if (done) return;
        var result = await self.retrievePaymentIntent(clientSecret);
        if (done) return;
        if (result.error || result.paymentIntent.status !== 'requires_action') {
          done = true;
          clearInterval(timer);
          window.removeEventListener('message', onMessage);
          overlay.remove();
          resolve(result.error ? { error: result.error } : result.paymentIntent);
        }
      }
      function onMessage(event) {
        if (event.data === 'stripe-emulator:3ds-finished') check();
      }
      window.addEventListener('message', onMessage);
      timer = setInterval(check, POLL_MS);
    });
  };

  Stripe.version = 3;
  Stripe.emulator = true;
  window.Stripe = Stripe;
})();
