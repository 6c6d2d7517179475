/* Numbers the admin's own JavaScript writes into a sentence ("0 of 43 selected", "3 selected
   options not visible") in Persian digits, like every number the server renders.
   Django's scripts build those sentences with the global interpolate() of the jsi18n
   catalogue; this wraps it so numeric arguments are written in Persian digits, and text
   arguments (a model's name) are left alone. Loaded in <head> before the admin's scripts run,
   whether or not the catalogue has been loaded yet: a later assignment is wrapped too. */
(function () {
  'use strict';
  var PERSIAN = '۰۱۲۳۴۵۶۷۸۹';

  function persianDigits(value) {
    return String(value).replace(/[0-9]/g, function (digit) { return PERSIAN[digit]; });
  }

  function persianArgument(value) {
    return typeof value === 'number' || /^-?[0-9]+$/.test(value) ? persianDigits(value) : value;
  }

  function wrap(interpolate) {
    if (typeof interpolate !== 'function' || interpolate.persianDigits) {
      return interpolate;
    }
    var wrapped = function (fmt, obj, named) {
      var args = obj;
      if (Array.isArray(obj)) {
        args = obj.map(persianArgument);
      } else if (obj && typeof obj === 'object') {
        args = {};
        Object.keys(obj).forEach(function (key) { args[key] = persianArgument(obj[key]); });
      }
      return interpolate(fmt, args, named);
    };
    wrapped.persianDigits = true;
    return wrapped;
  }

  var current = wrap(window.interpolate);
  Object.defineProperty(window, 'interpolate', {
    configurable: true,
    get: function () { return current; },
    set: function (fn) { current = wrap(fn); }
  });
}());
