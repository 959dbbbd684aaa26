#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Regenerates src/util/imagenet_labels.c from data/imagenet_labels.txt (one name per line)."""
import os
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
names = [n for n in open(os.path.join(root, 'data/imagenet_labels.txt')).read().split('\n') if n]
assert len(names) == 1000, len(names)
out = ['/* The 1000 ImageNet class names in class-index order (torchvision\'s list, BSD licence), generated',
       ' * from data/imagenet_labels.txt by scripts/gen_labels.py. */', '#include "labels.h"', '',
       'const char *const dlk_imagenet_labels[1000] = {']
out += ['    "%s",' % n.replace('\\', '\\\\').replace('"', '\\"') for n in names]
out.append('};')
open(os.path.join(root, 'src/util/imagenet_labels.c'), 'w').write('\n'.join(out) + '\n')
