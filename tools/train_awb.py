"""Train the FFCC white-balance model shipped as ``src/brightroom/develop/white_balance/data/barron2017.npz``.

Renders the ``train`` split of :mod:`brightroom.lab.awb_dataset` (16 cameras: Sigma SD Merrill
measured, the lab's ``flagship-2022`` preset, 4 perturbed copies of it and 10 random Gaussian
sets, 30 % of the camera-scene pairs described by one D65 colour matrix as many real DNGs are;
Planckian, daylight, tinted, fluorescent and LED lights and two-light mixes, most of them a
subject in focus before a defocused ground lit by the other light and labelled with the
subject's light; Mondrians of measured reflectances, dead-leaves scenes of Munsell colours,
scikit-image photos and tinted textures - none of which the benchmark's ``test`` split uses),
turns every render into the seven wrapped log-chroma histograms of
:mod:`brightroom.develop.white_balance.barron2017` (the same code the method runs), and fits
the filters, bias and gain maps, the locus weight and the locus prior table by L-BFGS on the
cross entropy between the model's posterior and the true illuminant (bilinearly split over its
four nearest bins), plus smoothness (squared wrapped differences) and L2 penalties as in Barron
& Tsai (2017). Deterministic for a seed.

Run time on the development machine (2-core x86-64, one thread, shared with other jobs at a
load of 12-16): 774 s to render and featurise the 5920 cases (about 4 minutes of CPU); the fit
of 150 L-BFGS iterations on 4000 of them 1235 s (about 6 minutes of CPU).

The shipped model was made by::

    OPENBLAS_NUM_THREADS=1 PYTHONPATH=src python tools/train_awb.py --cache /tmp/awb.npz \
        --mondrians 24 --leaves 30 --lights-per-scene 3 --mixed-per-scene 2 \
        --subject-share 0.8 --random-lights 150 --iters 150 --subsample 4000

(these are the defaults; ``--cache`` keeps the featurised renders between runs;
``--validate`` holds out two training cameras to choose the penalty weights; everything is
seeded, ``--seed 0``. The penalty weights of the locus prior table, ``p_smooth`` and ``p_l2``,
were set once, not validated.)

References
----------
Barron, J. T., Tsai, Y.-T. (2017). Fast Fourier Color Constancy. CVPR.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from scipy.optimize import minimize  # noqa: E402

from brightroom.develop.white_balance._util import valid_mask  # noqa: E402
from brightroom.develop.white_balance.barron2017 import (  # noqa: E402
    CHANNELS,
    MODEL_PATH,
    PRIOR_DIST,
    PRIOR_MIRED,
    FFCCModel,
    camera_prior,
    featurize,
    histograms,
    locus_map,
    neutral_space,
    prior_interpolation,
)
from brightroom.lab import awb_dataset  # noqa: E402

N = 64
U_RANGE = (-0.95, 0.40)   # log(G/R) of training lights in the normalised space, with margins
V_RANGE = (-0.75, 2.00)   # log(G/B): 12000 K ... 1900 K


def _empty_model(generic: np.ndarray) -> FFCCModel:
    hu = (U_RANGE[1] - U_RANGE[0]) / N
    hv = (V_RANGE[1] - V_RANGE[0]) / N
    z = np.zeros((N, N))
    return FFCCModel(filters=np.zeros((CHANNELS, N, N)), bias=z, gain=np.ones((N, N)), n=N,
                     bin=(hu, hv), u0=U_RANGE[0], v0=V_RANGE[0], generic_space=generic)


def _variants(model: FFCCModel) -> list:
    """Every camera description the train split can give (two matrices, or D65 only)."""
    return [awb_dataset.camera_info(s, d65_only=one) for s in awb_dataset.cameras("train")
            for one in (False, True)]


def _match_cameras(loci: np.ndarray, model: FFCCModel) -> list:
    """The camera description of each locus map (for a cache that holds only the maps)."""
    cands = _variants(model)
    maps = [locus_map(c, model) for c in cands]
    out = []
    for m in loci:
        k = int(np.argmin([np.abs(m - c).max() for c in maps]))
        out.append(cands[k])
    return out


def build(args: argparse.Namespace, model: FFCCModel
          ) -> tuple[np.ndarray, np.ndarray, list[str], np.ndarray, np.ndarray]:
    """Histograms ``(K, C, n, n)``, true bin positions ``(K, 2)``, names, the camera locus maps
    ``(M, n, n)`` and each render's index into them (a camera described by one colour matrix
    has its own, coarser locus)."""
    hists, pos, names, li = [], [], [], []
    loci: dict[bytes, int] = {}
    maps = []
    for case in awb_dataset.cases("train", n_mondrians=args.mondrians,
                                  lights_per_scene=args.lights_per_scene,
                                  mixed_per_scene=args.mixed_per_scene,
                                  n_random_lights=args.random_lights, seed=args.seed,
                                  n_leaves=args.leaves, d65_only_share=args.d65_only_share,
                                  subject_share=args.subject_share):
        mask = valid_mask(case.rgb, 1.0, engine="numpy")
        t = neutral_space(case.camera)
        uv, wts = featurize(case.rgb, mask, t)
        if len(uv[0]) < 50:
            continue
        hists.append(histograms(uv, model, wts).astype(np.float32))
        x = t @ case.truth
        tu, tv = np.log(x[1] / x[0]), np.log(x[1] / x[2])
        pos.append(((tu - model.u0) / model.bin[0] - 0.5, (tv - model.v0) / model.bin[1] - 0.5))
        names.append(case.name)
        cam = case.camera
        key = np.ascontiguousarray(cam.color_matrix1).tobytes() + bytes([cam.illuminant1]) + (
            b"" if cam.color_matrix2 is None else np.ascontiguousarray(cam.color_matrix2).tobytes())
        if key not in loci:
            loci[key] = len(maps)
            maps.append(locus_map(cam, model))
        li.append(loci[key])
    return np.stack(hists), np.asarray(pos), names, np.stack(maps), np.asarray(li, np.intp)


def soft_targets(pos: np.ndarray, n: int) -> np.ndarray:
    """``(K, n, n)``: each true position split bilinearly over its 4 nearest (wrapped) bins."""
    k = len(pos)
    t = np.zeros((k, n, n))
    i0 = np.floor(pos).astype(np.int64)
    f = pos - i0
    rows = np.arange(k)
    for du in (0, 1):
        for dv in (0, 1):
            w = (f[:, 0] if du else 1 - f[:, 0]) * (f[:, 1] if dv else 1 - f[:, 1])
            np.add.at(t, (rows, (i0[:, 0] + du) % n, (i0[:, 1] + dv) % n), w)
    return t


def _smooth(a: np.ndarray) -> tuple[float, np.ndarray]:
    """Sum of squared wrapped first differences over the last two axes, and its gradient."""
    du = a - np.roll(a, 1, axis=-2)
    dv = a - np.roll(a, 1, axis=-1)
    val = float((du**2).sum() + (dv**2).sum())
    grad = 2 * (du - np.roll(du, -1, axis=-2)) + 2 * (dv - np.roll(dv, -1, axis=-1))
    return val, grad


class Objective:
    """Cross entropy of ``softmax(B + G * sum_c N_c (*) F_c)`` against soft targets, regularised."""

    def __init__(self, hists: np.ndarray, targets: np.ndarray, reg: dict[str, float],
                 filter_scale: float = 1.0, loci: np.ndarray | None = None,
                 locus_index: np.ndarray | None = None,
                 prior_interp: list[tuple[np.ndarray, np.ndarray]] | None = None):
        # single precision for the FFTs (the bottleneck); the optimiser works in float64
        self.nf = np.fft.rfft2(hists.astype(np.float32))  # (K, 2, n, n/2+1) complex64
        self.t = targets.astype(np.float32)
        self.k, self.c, self.n, _ = hists.shape
        # the camera locus prior: one (n, n) map per camera, and each render's camera
        self.loci = (np.zeros((1, self.n, self.n), np.float32) if loci is None
                     else loci.astype(np.float32))
        self.li = np.zeros(self.k, np.intp) if locus_index is None else locus_index
        # the locus prior table, read per camera at each bin's locus coordinates
        self.np = PRIOR_MIRED[2] * PRIOR_DIST[2]
        self.pi = prior_interp
        self.reg = reg
        # The problem is badly conditioned in F: its Hessian is about the mean power spectrum of
        # the histograms, large at low and tiny at high frequencies. As Barron & Tsai (2017) do,
        # optimise F in a preconditioned variable z, F = C z, where C is the circular
        # convolution whose spectrum is 1 / sqrt(mean power + floor) (C is symmetric, so the
        # gradient in z is C applied to the gradient in F).
        power = (np.abs(self.nf) ** 2).mean(axis=0)  # (2, n, n/2+1)
        pre = 1.0 / np.sqrt(power + 1e-3 * power.max(axis=(1, 2), keepdims=True))
        self.pre = (filter_scale * pre / pre[:, :1, :1]).astype(np.float64)

    def unpack(self, x: np.ndarray) -> tuple[np.ndarray, ...]:
        n2 = self.n * self.n
        c = self.c * n2
        e = c + 3 * n2
        return (self._c(x[:c].reshape(self.c, self.n, self.n)),
                x[c:c + n2].reshape(self.n, self.n), x[c + n2:c + 2 * n2].reshape(self.n, self.n),
                x[c + 2 * n2:e].reshape(self.n, self.n),
                x[e:e + self.np].reshape(PRIOR_MIRED[2], PRIOR_DIST[2]))

    def _prior_maps(self, p: np.ndarray) -> np.ndarray:
        out = np.zeros(self.loci.shape, np.float32)
        if self.pi is not None:
            flat = p.ravel()
            for m, (idx, w) in enumerate(self.pi):
                out[m] = (flat[idx] * w).sum(axis=1).reshape(self.n, self.n)
        return out

    def _c(self, z: np.ndarray) -> np.ndarray:
        return np.fft.irfft2(self.pre * np.fft.rfft2(z), s=(self.n, self.n))

    def __call__(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        f, b, g, wl, pt = self.unpack(x)
        n = self.n
        ff = np.fft.rfft2(f.astype(np.float32))
        conv = np.fft.irfft2(sum(self.nf[:, c] * ff[c] for c in range(self.c)), s=(n, n))
        s = b.astype(np.float32) + g.astype(np.float32) * conv
        s += (wl.astype(np.float32) * self.loci + self._prior_maps(pt))[self.li]
        s -= s.max(axis=(1, 2), keepdims=True)
        e = np.exp(s)
        z = e.sum(axis=(1, 2), keepdims=True)
        loss = float(-(self.t * (s - np.log(z))).sum(dtype=np.float64) / self.k)
        ds = (e / z - self.t) / np.float32(self.k)
        db = ds.sum(axis=0, dtype=np.float64)
        dg = (ds * conv).sum(axis=0, dtype=np.float64)
        per_cam = np.zeros(self.loci.shape, np.float64)
        np.add.at(per_cam, self.li, ds)
        dw = (per_cam * self.loci).sum(axis=0)
        dp = np.zeros(self.np)
        if self.pi is not None:
            for m, (idx, w) in enumerate(self.pi):
                np.add.at(dp, idx.ravel(), (per_cam[m].reshape(-1, 1) * w).ravel())
        dconv_f = np.conj(np.fft.rfft2(ds * g.astype(np.float32)))
        df = np.stack([np.fft.irfft2(np.conj((self.nf[:, c] * dconv_f).sum(axis=0)), s=(n, n))
                       for c in range(self.c)]).astype(np.float64)
        r = self.reg
        for a, grad, key, center in ((f, df, "f", 0.0), (b, db, "b", 0.0), (g, dg, "g", 1.0),
                                     (wl, dw, "b", 0.0)):
            sv, sg = _smooth(a)
            loss += r[key + "_smooth"] * sv + r[key + "_l2"] * float(((a - center) ** 2).sum())
            grad += r[key + "_smooth"] * sg + 2 * r[key + "_l2"] * (a - center)
        # the prior table: smooth along both axes (open ends), small L2
        dp = dp.reshape(pt.shape)
        for ax in (0, 1):
            d = np.diff(pt, axis=ax)
            loss += r["p_smooth"] * float((d * d).sum())
            g2 = np.zeros_like(pt)
            sl_hi = [slice(None)] * 2
            sl_lo = [slice(None)] * 2
            sl_hi[ax], sl_lo[ax] = slice(1, None), slice(None, -1)
            g2[tuple(sl_hi)] += 2 * d
            g2[tuple(sl_lo)] -= 2 * d
            dp += r["p_smooth"] * g2
        loss += r["p_l2"] * float((pt * pt).sum())
        dp += 2 * r["p_l2"] * pt
        return loss, np.concatenate([self._c(df).ravel(), db.ravel(), dg.ravel(), dw.ravel(),
                                     dp.ravel()])


def fit(hists: np.ndarray, pos: np.ndarray, reg: dict[str, float], iters: int, n: int,
        loci: np.ndarray | None = None, locus_index: np.ndarray | None = None,
        prior_interp: list | None = None) -> tuple[np.ndarray, ...]:
    obj = Objective(hists, soft_targets(pos, n), reg, loci=loci, locus_index=locus_index,
                    prior_interp=prior_interp)
    x0 = np.concatenate([np.zeros(hists.shape[1] * n * n), np.zeros(n * n), np.ones(n * n),
                         np.zeros(n * n), np.zeros(obj.np)])
    t0 = time.perf_counter()
    res = minimize(obj, x0, jac=True, method="L-BFGS-B",
                   options={"maxiter": iters, "maxcor": 20, "gtol": 1e-12, "ftol": 1e-13})
    print(f"  L-BFGS: {res.nit} iterations in {time.perf_counter() - t0:.0f} s, loss "
          f"{res.fun:.4f} ({res.message})", flush=True)
    return obj.unpack(res.x)


def errors(model: FFCCModel, hists: np.ndarray, pos: np.ndarray,
           priors: list[np.ndarray | None] | None = None) -> np.ndarray:
    """Angular error (degrees, in the normalised space) of the model on histograms ``hists``."""
    from brightroom.develop.white_balance.barron2017 import estimate_uv, uv_to_rgb

    h = np.asarray(model.bin)
    true_uv = np.array([model.u0, model.v0]) + h * (pos + 0.5)
    out = []
    for i, (hist, tuv) in enumerate(zip(hists, true_uv)):
        est, _ = estimate_uv(hist.astype(np.float64), model,
                             None if priors is None else priors[i])
        a, b = uv_to_rgb(est), uv_to_rgb(tuv)
        c = a @ b / np.linalg.norm(a) / np.linalg.norm(b)
        out.append(np.degrees(np.arccos(np.clip(c, -1, 1))))
    return np.asarray(out)


REG = {"f_smooth": 1e-7, "f_l2": 1e-9, "b_smooth": 1e-6, "b_l2": 1e-9,
       "g_smooth": 1e-6, "g_l2": 1e-9, "p_smooth": 1e-5, "p_l2": 1e-7}
"""Penalty weights, chosen on the training cameras gaussian-8 and -9 held out (``--validate``;
``p_*``, the locus prior table's, set by hand and not validated)."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(MODEL_PATH))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mondrians", type=int, default=24)
    ap.add_argument("--lights-per-scene", type=int, default=3)
    ap.add_argument("--mixed-per-scene", type=int, default=2)
    ap.add_argument("--random-lights", type=int, default=150)
    ap.add_argument("--leaves", type=int, default=30,
                    help="dead-leaves scenes of natural (Munsell) colours")
    ap.add_argument("--d65-only-share", type=float, default=0.3,
                    help="share of camera-scene pairs whose camera has one (D65) colour matrix")
    ap.add_argument("--subject-share", type=float, default=0.8,
                    help="share of two-light renders with a subject before a defocused ground")
    ap.add_argument("--iters", type=int, default=150)
    ap.add_argument("--cache", default=None,
                    help="keep the featurised renders in this .npz and reuse them")
    ap.add_argument("--subsample", type=int, default=4000,
                    help="fit on this many renders drawn at random (seeded) from all of them")
    ap.add_argument("--validate", action="store_true",
                    help="hold out the last two training cameras, report their error, and exit")
    args = ap.parse_args()
    t0 = time.perf_counter()
    spaces = [neutral_space(awb_dataset.camera_info(s)) for s in awb_dataset.cameras("train")]
    generic = np.mean(spaces, axis=0)
    model = _empty_model(generic)
    cached = bool(args.cache and os.path.exists(args.cache))
    if cached:
        z = np.load(args.cache)
        hists, pos, names = z["hists"], z["pos"], list(z["names"])
        loci, li = z["loci"], z["li"]
    else:
        hists, pos, names, loci, li = build(args, model)
        if args.cache:
            np.savez(args.cache, hists=hists, pos=pos, names=np.asarray(names), loci=loci, li=li)
    cams = _match_cameras(loci, model)
    pinterp = [prior_interpolation(c, model) for c in cams]
    t1 = time.perf_counter()
    print(f"{len(hists)} training renders featurised in {t1 - t0:.0f} s", flush=True)
    if 0 < args.subsample < len(hists):
        keep = np.sort(np.random.default_rng(args.seed).choice(len(hists), args.subsample,
                                                                replace=False))
        hists, pos, names, li = hists[keep], pos[keep], [names[i] for i in keep], li[keep]
    if args.validate:
        held = tuple(s.name for s in awb_dataset.cameras("train")[-2:])
        val = np.array([nm.split(" | ")[0] in held for nm in names])
        f, b, g, wl, pt = fit(hists[~val], pos[~val], REG, args.iters, N, loci, li[~val],
                              pinterp)
        m = FFCCModel(filters=f, bias=b, gain=g, n=N, bin=model.bin, u0=model.u0, v0=model.v0,
                      generic_space=generic, locus_weight=wl, locus_prior=pt)
        priors = [camera_prior(c, m) for c in cams]
        for what, sel in (("train", ~val), ("held-out cameras", val)):
            e = errors(m, hists[sel], pos[sel], [priors[i] for i in li[sel]])
            print(f"  {what}: median {np.median(e):.2f}, mean {e.mean():.2f}, "
                  f"p95 {np.percentile(e, 95):.2f}, max {e.max():.2f} degrees")
        print(f"fitted in {time.perf_counter() - t1:.0f} s")
        return
    f, b, g, wl, pt = fit(hists, pos, REG, args.iters, N, loci, li, pinterp)
    t2 = time.perf_counter()
    info = (f"FFCC (Barron & Tsai 2017) trained by tools/train_awb.py --seed {args.seed} "
            f"--mondrians {args.mondrians} --lights-per-scene {args.lights_per_scene} "
            f"--mixed-per-scene {args.mixed_per_scene} --random-lights {args.random_lights} "
            f"--leaves {args.leaves} --d65-only-share {args.d65_only_share} "
            f"--subject-share {args.subject_share} "
            f"--iters {args.iters} --subsample {args.subsample} on {len(hists)} renders of the "
            f"lab 'train' split "
            f"({len(awb_dataset.cameras('train'))} cameras); featurise {t1 - t0:.0f} s"
            f"{' (loaded from --cache)' if cached else ''}, fit "
            f"{t2 - t1:.0f} s on {platform.machine()}, Python {sys.version.split()[0]}, "
            f"numpy {np.__version__}")
    m = FFCCModel(filters=f, bias=b, gain=g, n=N, bin=model.bin, u0=model.u0, v0=model.v0,
                  generic_space=generic, locus_weight=wl, locus_prior=pt, info=info)
    priors = [camera_prior(c, m) for c in cams]
    e = errors(m, hists, pos, [priors[i] for i in li])
    print(f"  training error: median {np.median(e):.2f}, mean {e.mean():.2f} degrees")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    m.save(args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1024:.0f} KB); {info}")


if __name__ == "__main__":
    main()
