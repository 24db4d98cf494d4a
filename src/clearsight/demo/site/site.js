/* Northwind Lending demo: shared chrome, storage, pricing and the clearsight wrapper.
 *
 * Every call into clearsight goes through `cs()` so the site keeps working when
 * /capture.js fails to load or throws: analytics must never break a loan application.
 */
(function () {
  "use strict";

  var POLICY_VERSION = "2026-01";
  var PROJECT_KEY = "pk_demo_loans";

  // ---------- clearsight, guarded ----------

  function cs(path, args) {
    try {
      var target = window.clearsight;
      var parts = path.split(".");
      var owner = null;
      for (var i = 0; i < parts.length; i++) {
        if (target == null) return undefined;
        owner = target;
        target = target[parts[i]];
      }
      if (typeof target !== "function") return undefined;
      return target.apply(owner, args || []);
    } catch (err) {
      // A broken analytics script is logged, never allowed to interrupt the customer.
      if (window.console) console.warn("clearsight call failed:", path, err);
      return undefined;
    }
  }

  function hasClearsight() {
    return typeof window.clearsight === "object" && window.clearsight !== null;
  }

  // ---------- storage (sessionStorage can throw in private modes) ----------

  var store = {
    get: function (key, fallback) {
      try {
        var raw = window.sessionStorage.getItem("nw." + key);
        return raw === null ? fallback : JSON.parse(raw);
      } catch (e) {
        return fallback;
      }
    },
    set: function (key, value) {
      try {
        window.sessionStorage.setItem("nw." + key, JSON.stringify(value));
      } catch (e) {
        /* storage full or disabled: the flow still works within the page */
      }
    },
    remove: function (key) {
      try {
        window.sessionStorage.removeItem("nw." + key);
      } catch (e) {
        /* ignore */
      }
    },
    local: function (key, value) {
      try {
        if (arguments.length > 1) window.localStorage.setItem("nw." + key, value);
        return window.localStorage.getItem("nw." + key);
      } catch (e) {
        return null;
      }
    },
  };

  // ---------- money and pricing ----------

  var usd = new Intl.NumberFormat("en-US", { style: "currency", currency: "USD" });
  var usd0 = new Intl.NumberFormat("en-US", {
    style: "currency",
    currency: "USD",
    maximumFractionDigits: 0,
  });

  function money(n, whole) {
    return (whole ? usd0 : usd).format(n);
  }

  function payment(principal, annualRatePct, months) {
    var r = annualRatePct / 100 / 12;
    if (r === 0) return principal / months;
    return (principal * r) / (1 - Math.pow(1 + r, -months));
  }

  // APR per Regulation Z counts the origination fee: solve for the rate at which the
  // payments' present value equals the amount actually financed.
  function solveApr(financed, monthly, months) {
    var lo = 0;
    var hi = 100;
    for (var i = 0; i < 80; i++) {
      var mid = (lo + hi) / 2;
      var r = mid / 100 / 12;
      var pv = (monthly * (1 - Math.pow(1 + r, -months))) / r;
      if (pv > financed) lo = mid;
      else hi = mid;
    }
    return (lo + hi) / 2;
  }

  function clampAmount(n) {
    if (!isFinite(n)) return 10000;
    return Math.min(50000, Math.max(1000, Math.round(n / 100) * 100));
  }

  function aprRange(term) {
    // Longer terms carry more risk, so both ends of the advertised range rise with the term.
    var low = 7.49 + ((term - 12) / 72) * 1.5;
    return { low: low, high: low + 16.5 };
  }

  // The offered note rate depends on amount, term and a per-application "credit profile"
  // derived from the application id, so different applicants get different offers.
  function quote(amount, term, appId) {
    var range = aprRange(term);
    var profile = appId ? (Number(appId) % 9) / 8 : 0.35;
    var rate = range.low + 1.2 + profile * 7.5;
    if (amount > 20000) rate -= 0.75;
    if (amount < 5000) rate += 2.0;
    rate = Math.round(rate * 100) / 100;
    var feePct = amount > 20000 ? 0.0199 : 0.0299;
    var fee = Math.round(amount * feePct * 100) / 100;
    var monthly = Math.round(payment(amount, rate, term) * 100) / 100;
    var total = Math.round(monthly * term * 100) / 100;
    var financed = amount - fee;
    return {
      amount: amount,
      term: term,
      rate: rate,
      fee: fee,
      feePct: feePct * 100,
      monthly: monthly,
      total: total,
      financed: financed,
      financeCharge: Math.round((total - financed) * 100) / 100,
      apr: Math.round(solveApr(financed, monthly, term) * 100) / 100,
    };
  }

  function amountTier(amount) {
    if (amount < 5000) return "<5k";
    if (amount <= 20000) return "5k-20k";
    return ">20k";
  }

  // ---------- application state ----------

  function appIdFromUrl() {
    var m = /^\/demo\/loan\/(\d{5,6})\//.exec(window.location.pathname);
    return m ? m[1] : null;
  }

  function appId() {
    return appIdFromUrl() || store.get("appId", null);
  }

  function stepUrl(step) {
    var id = appId();
    if (!id) return "/demo/apply/details";
    return "/demo/loan/" + id + "/" + step;
  }

  function loan() {
    return {
      amount: clampAmount(Number(store.get("amount", 10000))),
      term: Number(store.get("term", 36)) || 36,
    };
  }

  function go(url) {
    store.set("lastUrl", url);
    window.location.assign(url);
  }

  function completeStep(step, nextUrl) {
    cs("track", ["step_completed", { step: step }]);
    if (nextUrl) go(nextUrl);
  }

  function fillText(selector, text) {
    var nodes = document.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) nodes[i].textContent = text;
  }

  // ---------- chrome: menu, save & exit, advisor, consent ----------

  function setupMenu() {
    var toggle = document.getElementById("menu-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) return;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
    var links = header.querySelectorAll(".main-nav a");
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("click", function () {
        header.classList.remove("menu-open");
        toggle.setAttribute("aria-expanded", "false");
      });
    }
  }

  function setupSaveExit() {
    var btn = document.getElementById("save-exit");
    if (!btn) return;
    btn.addEventListener("click", function () {
      var step = document.body.getAttribute("data-step");
      cs("track", ["save_and_exit", { step: step || "home" }]);
      if (!step) {
        // Nothing to save outside the application: just go home.
        go("/demo/");
        return;
      }
      store.set("resumeUrl", window.location.pathname);
      go("/demo/?saved=1");
    });
  }

  function setupAdvisor() {
    var fab = document.getElementById("advisor-fab");
    var panel = document.getElementById("advisor-panel");
    var close = document.getElementById("advisor-close");
    var status = document.getElementById("advisor-status");
    if (!fab || !panel) return;
    function setOpen(open) {
      panel.hidden = !open;
      fab.setAttribute("aria-expanded", open ? "true" : "false");
    }
    fab.addEventListener("click", function () {
      setOpen(panel.hidden);
    });
    if (close) close.addEventListener("click", function () { setOpen(false); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape") setOpen(false);
    });
    var callback = document.getElementById("advisor-callback");
    if (callback && status) {
      callback.addEventListener("click", function () {
        status.textContent = "Thanks — an advisor will call you within 2 business hours.";
        cs("track", ["advisor_callback", { page: document.body.getAttribute("data-page") || "" }]);
      });
    }
    var chat = document.getElementById("advisor-chat");
    if (chat && status) {
      chat.addEventListener("click", function () {
        status.textContent = "Connecting you to the next available advisor…";
      });
    }
  }

  function consentState() {
    if (!hasClearsight()) return store.local("consent");
    var s = cs("consent.state");
    if (s && typeof s === "object" && "state" in s) s = s.state;
    if (s === "granted" || s === "denied" || s === "withdrawn") return s;
    return null;
  }

  function setupConsent() {
    var banner = document.getElementById("consent-banner");
    var text = document.getElementById("consent-text");
    if (!banner || !text) return;
    var bannerText = text.textContent.replace(/\s+/g, " ").trim();

    function show() {
      banner.hidden = false;
      document.body.classList.add("banner-open");
      document.body.style.setProperty("--banner-h", banner.offsetHeight + "px");
    }
    function hide() {
      banner.hidden = true;
      document.body.classList.remove("banner-open");
    }
    function decide(granted) {
      var opts = { policyVersion: POLICY_VERSION, bannerText: bannerText };
      // Declining after an earlier grant is a withdrawal: the ledger keeps the difference.
      var method = granted ? "consent.grant" : consentState() === "granted" ? "consent.withdraw" : "consent.deny";
      cs(method, [opts]);
      store.local("consent", granted ? "granted" : "denied");
      hide();
    }

    document.getElementById("consent-accept").addEventListener("click", function () {
      decide(true);
    });
    document.getElementById("consent-decline").addEventListener("click", function () {
      decide(false);
    });
    var settings = document.getElementById("privacy-settings");
    if (settings) settings.addEventListener("click", show);

    if (!consentState()) show();
    window.addEventListener("resize", function () {
      if (!banner.hidden) document.body.style.setProperty("--banner-h", banner.offsetHeight + "px");
    });
  }

  // ---------- progress bar ----------

  function markSteps() {
    var current = document.body.getAttribute("data-step");
    var items = document.querySelectorAll(".steps li");
    var seen = false;
    for (var i = 0; i < items.length; i++) {
      var li = items[i];
      if (li.getAttribute("data-step") === current) {
        li.classList.add("current");
        li.setAttribute("aria-current", "step");
        seen = true;
      } else if (!seen) {
        li.classList.add("done");
      }
    }
  }

  // ---------- boot ----------

  cs("init", [{ projectKey: PROJECT_KEY, policyVersion: POLICY_VERSION }]);

  window.NW = {
    cs: cs,
    store: store,
    money: money,
    quote: quote,
    aprRange: aprRange,
    payment: payment,
    clampAmount: clampAmount,
    amountTier: amountTier,
    appId: appId,
    stepUrl: stepUrl,
    loan: loan,
    go: go,
    completeStep: completeStep,
    fillText: fillText,
    POLICY_VERSION: POLICY_VERSION,
  };

  setupMenu();
  setupSaveExit();
  setupAdvisor();
  setupConsent();
  markSteps();
  fillText("[data-applicant-name]", store.get("firstName", "") || "there");
  fillText("[data-applicant-fullname]", store.get("fullName", "") || "—");
  // Step links are built from the application id so they always match the server's URL scheme.
  var stepLinks = document.querySelectorAll("[data-step-link]");
  for (var i = 0; i < stepLinks.length; i++) {
    stepLinks[i].setAttribute("href", stepUrl(stepLinks[i].getAttribute("data-step-link")));
  }
})();
