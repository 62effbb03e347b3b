import { renderSVG } from "uqr";

/**
 * A QR code as inline SVG, drawn on the server by uqr (no script, nothing for the CSP to allow): dark modules on
 * white whatever the theme, with the quiet zone scanners need, medium error correction.
 */
export function QrCode({ value, label, id }: { value: string; label: string; id?: string }): JSX.Element {
  const safeSvg = renderSVG(value, { ecc: "M", border: 4, pixelSize: 8 });
  return (
    <div class="qr-code" id={id} role="img" aria-label={label}>
      {safeSvg}
    </div>
  );
}
