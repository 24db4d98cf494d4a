/* Northwind Lending demo: one controller per page, picked by <body data-page>. */
(function () {
  "use strict";

  var NW = window.NW;
  if (!NW) return;
  var $ = function (id) {
    return document.getElementById(id);
  };

  // ---------- validation helpers (visible errors: role=alert + aria-invalid) ----------

  function showError(input, message) {
    var err = $("err-" + input.id);
    input.setAttribute("aria-invalid", "true");
    if (err) {
      err.textContent = message;
      err.classList.add("show");
      input.setAttribute("aria-describedby", err.id);
    }
  }

  function clearError(input) {
    var err = $("err-" + input.id);
    input.removeAttribute("aria-invalid");
    if (err) {
      err.textContent = "";
      err.classList.remove("show");
    }
  }

  // rules: [[fieldId, check(value, element) -> message or ""], ...]; returns true when valid.
  function validate(rules, summaryId) {
    var firstBad = null;
    var bad = 0;
    for (var i = 0; i < rules.length; i++) {
      var el = $(rules[i][0]);
      if (!el || el.closest("[hidden]")) continue;
      var value = el.type === "checkbox" ? el.checked : String(el.value || "").trim();
      var message = rules[i][1](value, el);
      if (message) {
        showError(el, message);
        bad += 1;
        if (!firstBad) firstBad = el;
      } else {
        clearError(el);
      }
    }
    var summary = summaryId ? $(summaryId) : null;
    if (summary) {
      if (bad) {
        summary.textContent =
          bad === 1 ? "Please correct the highlighted field." : "Please correct the " + bad + " highlighted fields.";
        summary.classList.add("show");
      } else {
        summary.classList.remove("show");
        summary.textContent = "";
      }
    }
    if (firstBad) firstBad.focus();
    return bad === 0;
  }

  function clearOnInput(form) {
    form.addEventListener("input", function (e) {
      var t = e.target;
      if (t && t.getAttribute && t.getAttribute("aria-invalid") === "true") clearError(t);
    });
  }

  var required = function (label) {
    return function (v) {
      return v ? "" : label + " is required.";
    };
  };
  var digits = function (s) {
    return String(s).replace(/\D+/g, "");
  };

  function luhn(num) {
    var sum = 0;
    var dbl = false;
    for (var i = num.length - 1; i >= 0; i--) {
      var d = Number(num.charAt(i));
      if (dbl) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
      dbl = !dbl;
    }
    return num.length >= 12 && sum % 10 === 0;
  }

  function ibanOk(raw) {
    var s = String(raw).replace(/\s+/g, "").toUpperCase();
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]{10,30}$/.test(s)) return false;
    var moved = s.slice(4) + s.slice(0, 4);
    var rem = 0;
    for (var i = 0; i < moved.length; i++) {
      var c = moved.charCodeAt(i);
      var chunk = c >= 65 ? String(c - 55) : moved.charAt(i);
      for (var j = 0; j < chunk.length; j++) rem = (rem * 10 + Number(chunk.charAt(j))) % 97;
    }
    return rem === 1;
  }

  // ---------- landing: calculator ----------

  function landing() {
    var range = $("amount-range");
    var input = $("amount-input");
    var termRange = $("term-range");
    if (!range || !input || !termRange) return;
    var state = NW.loan();

    function render() {
      var q = NW.quote(state.amount, state.term, null);
      var apr = NW.aprRange(state.term);
      $("term-value").textContent = state.term + " months";
      $("calc-monthly").textContent = NW.money(q.monthly);
      $("calc-apr").textContent = apr.low.toFixed(2) + "% – " + apr.high.toFixed(2) + "%";
      $("calc-total").textContent = NW.money(q.total, true);
      var lowPay = NW.payment(state.amount, apr.low, state.term);
      var highPay = NW.payment(state.amount, apr.high, state.term);
      $("calc-pay-range").textContent = NW.money(lowPay, true) + " – " + NW.money(highPay, true);
      NW.store.set("amount", state.amount);
      NW.store.set("term", state.term);
    }

    range.value = String(state.amount);
    input.value = state.amount.toLocaleString("en-US");
    termRange.value = String(state.term);

    range.addEventListener("input", function () {
      state.amount = NW.clampAmount(Number(range.value));
      input.value = state.amount.toLocaleString("en-US");
      render();
    });
    input.addEventListener("input", function () {
      var n = Number(digits(input.value));
      if (n >= 1000 && n <= 50000) {
        state.amount = NW.clampAmount(n);
        range.value = String(state.amount);
        render();
      }
    });
    input.addEventListener("change", function () {
      state.amount = NW.clampAmount(Number(digits(input.value)));
      input.value = state.amount.toLocaleString("en-US");
      range.value = String(state.amount);
      render();
    });
    termRange.addEventListener("input", function () {
      state.term = Number(termRange.value);
      render();
    });
    var applies = document.querySelectorAll("[data-apply]");
    for (var i = 0; i < applies.length; i++) {
      applies[i].addEventListener("click", function () {
        NW.cs("track", ["step_completed", { step: "quote" }]);
      });
    }
    render();

    if (/[?&]saved=1\b/.test(window.location.search)) {
      var notice = $("saved-notice");
      var resume = NW.store.get("resumeUrl", null);
      if (notice) notice.hidden = false;
      if (resume && $("resume-link")) $("resume-link").setAttribute("href", resume);
    }
  }

  // ---------- details ----------

  var EMAIL = /^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/;

  function ageFrom(iso) {
    var d = new Date(iso + "T00:00:00");
    if (isNaN(d.getTime())) return -1;
    var now = new Date();
    var age = now.getFullYear() - d.getFullYear();
    var m = now.getMonth() - d.getMonth();
    if (m < 0 || (m === 0 && now.getDate() < d.getDate())) age -= 1;
    return age;
  }

  function details() {
    var form = $("details-form");
    if (!form) return;
    var l = NW.loan();
    NW.fillText("[data-loan-amount]", NW.money(l.amount, true));
    NW.fillText("[data-loan-term]", l.term + " months");
    clearOnInput(form);

    var rules = [
      ["full-name", function (v) {
        if (!v) return "Enter your full name as it appears on your ID.";
        return /\S+\s+\S+/.test(v) ? "" : "Enter both your first and last name.";
      }],
      ["email", function (v) {
        if (!v) return "Email address is required.";
        return EMAIL.test(v) ? "" : "Enter a valid email address, like name@example.com.";
      }],
      ["phone", function (v) {
        var d = digits(v);
        if (d.length === 11 && d.charAt(0) === "1") d = d.slice(1);
        return d.length === 10 ? "" : "Enter a 10-digit US phone number.";
      }],
      ["dob", function (v) {
        if (!v) return "Date of birth is required.";
        var age = ageFrom(v);
        if (age < 0 || age > 120) return "Enter a valid date of birth.";
        return age >= 18 ? "" : "You must be 18 or older to apply.";
      }],
      ["street", required("Street address")],
      ["city", required("City")],
      ["state", required("State")],
      ["zip", function (v) {
        return /^\d{5}(-\d{4})?$/.test(v) ? "" : "Enter a 5-digit ZIP code.";
      }],
      ["ssn-last4", function (v) {
        return /^\d{4}$/.test(v) ? "" : "Enter the last 4 digits of your SSN.";
      }],
    ];

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!validate(rules, "form-errors")) return;
      var fullName = $("full-name").value.trim().replace(/\s+/g, " ");
      // A fresh 5-6 digit application id, only meaningful within this browser session.
      var id = String(10000 + Math.floor(Math.random() * 990000));
      var customerId = NW.store.get("customerId", null) ||
        "C-" + String(Math.floor(1e7 + Math.random() * 9e7));
      NW.store.set("appId", id);
      NW.store.set("customerId", customerId);
      NW.store.set("fullName", fullName);
      NW.store.set("firstName", fullName.split(" ")[0]);
      var existing = $("existing-customer") && $("existing-customer").checked;
      NW.cs("identify", [customerId, {
        amount_tier: NW.amountTier(l.amount),
        client_profile: existing ? "existing_customer" : "new_customer",
      }]);
      NW.completeStep("details", "/demo/loan/" + id + "/income");
    });
  }

  // ---------- income ----------

  function income() {
    var form = $("income-form");
    if (!form) return;
    clearOnInput(form);
    var status = $("employment-status");
    var employerField = $("employer-field");
    function syncEmployer() {
      var needs = status.value === "employed" || status.value === "self_employed";
      employerField.hidden = !needs;
    }
    status.addEventListener("change", syncEmployer);
    syncEmployer();

    var file = $("income-doc");
    var preview = $("doc-preview");
    file.addEventListener("change", function () {
      var f = file.files && file.files[0];
      clearError(file);
      preview.innerHTML = "";
      if (!f) {
        preview.classList.remove("show");
        return;
      }
      if (/^image\//.test(f.type) && window.URL && URL.createObjectURL) {
        var img = document.createElement("img");
        img.src = URL.createObjectURL(f);
        img.alt = "";
        img.width = 48;
        img.height = 48;
        img.style.objectFit = "cover";
        img.style.borderRadius = "6px";
        preview.appendChild(img);
      }
      var label = document.createElement("span");
      label.textContent = f.name + " · " + Math.max(1, Math.round(f.size / 1024)) + " KB — ready to submit";
      preview.appendChild(label);
      preview.classList.add("show");
    });

    $("verify-bank").addEventListener("click", function () {
      // Simulated outage: the bank-data aggregator's widget never loaded, so this
      // throws an uncaught TypeError and the button appears to do nothing.
      var widget = window.NorthwindBankLink;
      widget.open({ application: NW.appId(), products: ["income", "identity"] });
    });

    var rules = [
      ["employment-status", required("Employment status")],
      ["employer", required("Employer name")],
      ["annual-income", function (v) {
        var n = Number(digits(v));
        if (!v) return "Annual income is required.";
        return n >= 1000 ? "" : "Enter your yearly income before tax, in dollars.";
      }],
      ["income-doc", function (_v, el) {
        return el.files && el.files.length ? "" : "Upload a recent pay stub, W-2 or tax return.";
      }],
    ];
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!validate(rules, "form-errors")) return;
      NW.completeStep("income", NW.stepUrl("offer"));
    });
  }

  // ---------- offer ----------

  var OFFER_TERMS = [36, 48, 60];

  function nearestTerm(t) {
    var best = OFFER_TERMS[0];
    for (var i = 0; i < OFFER_TERMS.length; i++) {
      if (Math.abs(OFFER_TERMS[i] - t) < Math.abs(best - t)) best = OFFER_TERMS[i];
    }
    return best;
  }

  function renderOffer(amount, term) {
    var q = NW.quote(amount, term, NW.appId());
    NW.fillText("[data-offer-amount]", NW.money(q.amount, true));
    NW.fillText("[data-offer-rate]", q.rate.toFixed(2) + "%");
    NW.fillText("[data-offer-apr]", q.apr.toFixed(2) + "%");
    NW.fillText("[data-offer-monthly]", NW.money(q.monthly));
    NW.fillText("[data-offer-term]", String(q.term));
    NW.fillText("[data-offer-total]", NW.money(q.total));
    NW.fillText("[data-offer-fee]", NW.money(q.fee) + " (" + q.feePct.toFixed(2) + "%)");
    NW.fillText("[data-offer-financed]", NW.money(q.financed));
    NW.fillText("[data-offer-charge]", NW.money(q.financeCharge));
    NW.fillText("[data-offer-interest]", NW.money(q.total - q.amount));
    return q;
  }

  function offer() {
    var accept = $("accept-offer");
    if (!accept) return;
    var variant = NW.store.get("offerVariant", null);
    if (variant !== "A" && variant !== "B") {
      variant = Math.random() < 0.5 ? "A" : "B";
      NW.store.set("offerVariant", variant);
    }
    document.body.classList.add("variant-" + variant.toLowerCase());
    NW.cs("experiment", ["offer-layout", variant]);

    var l = NW.loan();
    var term = nearestTerm(l.term);
    var radio = $("term-" + term);
    if (radio) radio.checked = true;
    renderOffer(l.amount, term);

    var radios = document.querySelectorAll('input[name="term"]');
    for (var i = 0; i < radios.length; i++) {
      radios[i].addEventListener("change", function (e) {
        term = Number(e.target.value);
        NW.store.set("term", term);
        renderOffer(l.amount, term);
      });
    }

    var consent = $("consent-hard-pull");
    function sync() {
      accept.disabled = !consent.checked;
      $("accept-hint").hidden = consent.checked;
    }
    consent.addEventListener("change", sync);
    sync();
    accept.addEventListener("click", function () {
      if (accept.disabled) return;
      NW.store.set("term", term);
      NW.completeStep("offer", NW.stepUrl("esign"));
    });
    $("decline-offer").addEventListener("click", function () {
      NW.cs("track", ["offer_declined", { term: term }]);
      NW.go("/demo/?saved=1");
    });
  }

  // ---------- e-sign ----------

  function norm(s) {
    return String(s).toLowerCase().replace(/[^a-z]+/g, " ").trim();
  }

  function esign() {
    var form = $("esign-form");
    if (!form) return;
    var l = NW.loan();
    renderOffer(l.amount, l.term);
    NW.fillText("[data-signing-date]", new Date().toLocaleDateString("en-US", {
      year: "numeric", month: "long", day: "numeric",
    }));
    clearOnInput(form);
    var fullName = NW.store.get("fullName", "");
    var rules = [
      ["signature", function (v) {
        if (!v) return "Type your full name to sign.";
        if (fullName && norm(v) !== norm(fullName)) {
          return "Your signature must match the name on your application.";
        }
        return "";
      }],
      ["esign-consent", function (v) {
        return v ? "" : "Please confirm you agree to sign electronically.";
      }],
    ];
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!validate(rules, "form-errors")) return;
      NW.completeStep("esign", NW.stepUrl("disbursement"));
    });
  }

  // ---------- disbursement ----------

  function disbursement() {
    var form = $("disbursement-form");
    if (!form) return;
    var l = NW.loan();
    renderOffer(l.amount, l.term);
    clearOnInput(form);
    var us = $("method-us");
    var iban = $("method-iban");
    function syncMethod() {
      $("us-account").hidden = !us.checked;
      $("iban-account").hidden = !iban.checked;
    }
    us.addEventListener("change", syncMethod);
    iban.addEventListener("change", syncMethod);
    syncMethod();

    var rules = [
      ["account-holder", required("Account holder name")],
      ["routing-number", function (v) {
        return /^\d{9}$/.test(digits(v)) ? "" : "Enter the 9-digit routing number.";
      }],
      ["account-number", function (v) {
        var d = digits(v);
        return d.length >= 4 && d.length <= 17 ? "" : "Enter your account number (4–17 digits).";
      }],
      ["iban", function (v) {
        return ibanOk(v) ? "" : "Enter a valid IBAN, like GB29 NWBK 6016 1331 9268 19.";
      }],
      ["card-number", function (v) {
        return luhn(digits(v)) ? "" : "Enter a valid debit card number.";
      }],
      ["card-expiry", function (v) {
        var m = /^(\d{2})\s*\/\s*(\d{2})$/.exec(v);
        if (!m || Number(m[1]) < 1 || Number(m[1]) > 12) return "Enter the expiry as MM/YY.";
        var end = new Date(2000 + Number(m[2]), Number(m[1]), 1);
        return end > new Date() ? "" : "This card has expired.";
      }],
    ];
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!validate(rules, "form-errors")) return;
      var btn = $("disburse-button");
      btn.disabled = true;
      btn.textContent = "Sending funds…";
      // A short pause so the customer sees the request being processed.
      window.setTimeout(function () {
        NW.completeStep("disbursement", NW.stepUrl("complete"));
      }, 500);
    });
  }

  // ---------- complete ----------

  function complete() {
    var l = NW.loan();
    var q = renderOffer(l.amount, l.term);
    NW.fillText("[data-reference]", "NW-" + (NW.appId() || "00000"));
    var first = new Date();
    first.setMonth(first.getMonth() + 1);
    NW.fillText("[data-first-payment]", first.toLocaleDateString("en-US", {
      year: "numeric", month: "long", day: "numeric",
    }));
    NW.cs("track", ["application_complete", { term: q.term }]);
  }

  var pages = {
    landing: landing,
    details: details,
    income: income,
    offer: offer,
    esign: esign,
    disbursement: disbursement,
    complete: complete,
  };
  var page = pages[document.body.getAttribute("data-page")];
  if (page) page();
})();
